// Arithmetic operators: reductions, softmax, Gemm and MatMul, clip, layer normalization, arg-reductions, logic.
import * as tf from '@tensorflow/tfjs-core';
import { NHWC_AXIS, normAxis, OpError, plain, shapeOf, tensor } from './value';
import { hostFloat, need, type Op, shortList } from './common';
import { axesOf, flattenTo2d } from './shape';

export function reduce(fn: (t: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): Op {
  return (ctx, [xv, av]) => {
    const x = need(xv, 'data');
    const s = shapeOf(x);
    const keep = ctx.int('keepdims', 1) === 1;
    const axes = (axesOf(ctx, av, 18) ?? s.map((_, i) => i)).map((a) => normAxis(a, s.length));
    if (x.kind === 'tensor' && x.nhwc && keep)
      return [
        tensor(
          fn(
            x.t,
            axes.map((a) => NHWC_AXIS[a]),
            true,
          ),
          true,
        ),
      ];
    return [tensor(fn(plain(x), axes, keep))];
  };
}

export function softmaxOp(log: boolean): Op {
  return (ctx, [xv]) => {
    const x = need(xv, 'input');
    const t = plain(x);
    const axis = normAxis(ctx.int('axis', ctx.opset >= 13 ? -1 : 1), t.rank);
    const f = (u: tf.Tensor): tf.Tensor => (log ? tf.logSoftmax(u) : tf.softmax(u));
    if (ctx.opset < 13) {
      // Softmax-1/11: flatten to 2-D at the axis, softmax over the second dimension.
      return [tensor(tf.reshape(f(flattenTo2d(t, axis)), t.shape))];
    }
    if (axis === t.rank - 1) return [tensor(f(t))];
    const perm = t.shape.map((_, i) => i);
    perm[axis] = t.rank - 1;
    perm[t.rank - 1] = axis;
    return [tensor(tf.transpose(f(tf.transpose(t, perm)), perm))];
  };
}

export const gemm: Op = (ctx, [av, bv, cv]) => {
  let a = plain(need(av, 'A'));
  let b = plain(need(bv, 'B'));
  if (a.dtype !== 'float32') a = tf.cast(a, 'float32');
  if (b.dtype !== 'float32') b = tf.cast(b, 'float32');
  if (a.rank !== 2 || b.rank !== 2) throw new OpError(`needs 2-D A and B, got shapes [${shortList(a.shape)}] and [${shortList(b.shape)}]`);
  const tA = ctx.int('transA', 0) === 1;
  const tB = ctx.int('transB', 0) === 1;
  const [M, K] = tA ? [a.shape[1], a.shape[0]] : a.shape;
  const [K2, N] = tB ? [b.shape[1], b.shape[0]] : b.shape;
  if (K !== K2) throw new OpError(`A [${a.shape.join(', ')}] and B [${b.shape.join(', ')}] do not multiply${tA || tB ? ' (after their transposes)' : ''}`);
  let y = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, tA, tB);
  const alpha = ctx.float('alpha', 1);
  if (alpha !== 1) y = tf.mul(y, alpha);
  if (cv) {
    const beta = ctx.float('beta', 1);
    const c = plain(cv);
    // C broadcasts to [M, N] one way only (unidirectional).
    const cs = [...Array(Math.max(0, 2 - c.rank)).fill(1), ...c.shape];
    if (c.rank > 2 || (cs[0] !== 1 && cs[0] !== M) || (cs[1] !== 1 && cs[1] !== N))
      throw new OpError(`C [${shortList(c.shape)}] does not broadcast to the product's [${M}, ${N}]`);
    y = tf.add(y, beta === 1 ? c : tf.mul(c, beta));
  }
  return [tensor(y)];
};

export const matMul: Op = (_ctx, [av, bv]) => {
  const a = plain(need(av, 'A'));
  const b = plain(need(bv, 'B'));
  if (a.rank < 1 || b.rank < 1 || a.shape[a.rank - 1] !== b.shape[Math.max(0, b.rank - 2)])
    throw new OpError(`A [${shortList(a.shape)}] and B [${shortList(b.shape)}] do not multiply`);
  if (a.rank === 2 && b.rank === 2) return [tensor(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))];
  if (b.rank === 2 && a.rank > 2) {
    const lead = a.shape.slice(0, -1);
    return [tensor(tf.reshape(tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1]]) as tf.Tensor2D, b as tf.Tensor2D), [...lead, b.shape[1] as number]))];
  }
  return [tensor(tf.matMul(a, b))];
};

export const clip: Op = (ctx, [xv, minV, maxV]) => {
  const x = need(xv, 'input');
  const lo = ctx.opset >= 11 ? (minV ? hostFloat(minV)[0] : -3.4e38) : ctx.float('min', -3.4e38);
  const hi = ctx.opset >= 11 ? (maxV ? hostFloat(maxV)[0] : 3.4e38) : ctx.float('max', 3.4e38);
  const t = x.kind === 'tensor' ? x.t : tf.cast(plain(x), 'float32');
  // clipByValue has a gradient of zero outside the range, as ONNX's definition implies.
  return [tensor(tf.clipByValue(t, lo, hi), x.kind === 'tensor' && x.nhwc)];
};

export const layerNorm: Op = (ctx, [xv, sv, bv]) => {
  const t = plain(need(xv, 'X'));
  const axis = normAxis(ctx.int('axis', -1), t.rank);
  const eps = ctx.float('epsilon', 1e-5);
  const axes = t.shape.map((_, i) => i).filter((i) => i >= axis);
  const { mean, variance } = tf.moments(t, axes, true);
  let y = tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, eps)));
  if (sv) y = tf.mul(y, plain(sv));
  if (bv) y = tf.add(y, plain(bv));
  return [tensor(y)];
};

/** ArgMax / ArgMin: indices along `axis` (ONNX axes, so channels-last values are brought back to ONNX layout first). */
export function argReduce(fn: (t: tf.Tensor, axis: number) => tf.Tensor): Op {
  return (ctx, [xv]) => {
    const x = need(xv, 'data');
    const t = x.kind === 'host' ? tf.tensor(x.data, x.dims, 'float32') : plain(x);
    const axis = normAxis(ctx.int('axis', 0), t.rank);
    if (axis < 0 || axis >= t.rank) throw new OpError(`axis ${ctx.int('axis', 0)} is out of range for a rank-${t.rank} input`);
    if (ctx.int('select_last_index', 0) !== 0) throw new OpError('select_last_index is not supported');
    const r = fn(t, axis);
    return [tensor(ctx.int('keepdims', 1) ? tf.expandDims(r, axis) : r)];
  };
}

export const notOp: Op = (_ctx, [xv]) => {
  const x = need(xv, 'X');
  return [tensor(tf.logicalNot(tf.cast(plain(x), 'bool')))];
};

export const where: Op = (_ctx, [cv, xv, yv]) => {
  const [c, x, y] = [plain(need(cv, 'condition')), plain(need(xv, 'X')), plain(need(yv, 'Y'))];
  const cast = (t: tf.Tensor): tf.Tensor => (t.dtype === 'int32' && (x.dtype === 'float32' || y.dtype === 'float32') ? tf.cast(t, 'float32') : t);
  return [tensor(tf.where(tf.cast(c, 'bool'), cast(x), cast(y)))];
};
