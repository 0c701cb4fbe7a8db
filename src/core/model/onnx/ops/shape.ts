// Shape operators: flatten, reshape, transpose, (un)squeeze, concat, slice, gather, shape, constants, pad, resize, cast, identity.
import * as tf from '@tensorflow/tfjs-core';
import { printable } from '../../../io/files';
import { ONNX_DOUBLE, ONNX_FLOAT, ONNX_FLOAT16 } from '../proto';
import { fromOnnxTensor, host, hostData, nhwc, NHWC_AXIS, normAxis, onHost, OpError, plain, shapeOf, tensor, type Value } from './value';
import { hostFloat, MAX_ELEMENTS, MAX_WINDOW_ATTR, need, type Op, type OpContext, shortList } from './common';

export function flattenTo2d(t: tf.Tensor, axis: number): tf.Tensor {
  const s = t.shape;
  const a = normAxis(axis, s.length);
  const outer = s.slice(0, a).reduce((p, q) => p * q, 1);
  return tf.reshape(t, [outer, -1]);
}

export const flatten: Op = (ctx, [xv]) => {
  const x = need(xv, 'input');
  const axis = ctx.int('axis', 1);
  // Channels-last with 1×1 spatial size flattens to the same order as NCHW: no transpose.
  if (x.kind === 'tensor' && x.nhwc && axis === 1 && x.t.shape[1] === 1 && x.t.shape[2] === 1) return [tensor(tf.reshape(x.t, [x.t.shape[0], -1]))];
  return [tensor(flattenTo2d(plain(x), axis))];
};

export function reshapeDims(target: number[], input: number[], allowZero: boolean): number[] {
  if (target.some((d) => !Number.isSafeInteger(d) || d < -1) || target.filter((d) => d === -1).length > 1) {
    throw new OpError(`target shape [${shortList(target)}] must be whole numbers ≥ 0, with at most one -1`);
  }
  const dims = target.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  // The -1 is inferred; the sizes must account for every value of the input.
  const count = input.reduce((a, b) => a * b, 1);
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  if (dims.includes(-1) ? known === 0 || count % known !== 0 : known !== count) {
    throw new OpError(`cannot reshape [${shortList(input)}] (${count} values) to [${shortList(target)}]`);
  }
  return dims.includes(-1) ? dims.map((d) => (d === -1 ? count / known : d)) : dims;
}

export const reshape: Op = (ctx, [xv, sv]) => {
  const x = need(xv, 'data');
  const target = ctx.opset >= 5 ? hostData(need(sv, 'shape')) : ctx.ints('shape')!;
  const dims = reshapeDims(target, shapeOf(x), ctx.int('allowzero', 0) === 1);
  if (x.kind === 'host') {
    const known = dims.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
    return [
      host(
        x.data,
        dims.map((d) => (d === -1 ? x.data.length / known : d)),
      ),
    ];
  }
  if (x.nhwc && x.t.shape[1] === 1 && x.t.shape[2] === 1 && dims.length === 2) return [tensor(tf.reshape(x.t, dims))];
  return [tensor(tf.reshape(plain(x), dims))];
};

export const transpose: Op = (ctx, [xv]) => {
  const x = need(xv, 'data');
  const t = plain(x);
  const perm = ctx.ints('perm') ?? t.shape.map((_, i) => t.rank - 1 - i);
  if (x.kind === 'host') return [onHost(x, (u) => tf.transpose(u, perm))];
  // NCHW → NHWC of a value already stored channels-last: nothing to do but relabel.
  if (x.kind === 'tensor' && x.nhwc && perm.join() === '0,2,3,1') return [tensor(x.t)];
  return [tensor(tf.transpose(t, perm))];
};

export function axesOf(ctx: OpContext, input: Value | undefined, sinceOpset: number): number[] | undefined {
  if (ctx.opset >= sinceOpset) return input ? hostData(input) : undefined;
  return ctx.ints('axes');
}

export const squeeze: Op = (ctx, [xv, av]) => {
  const x = need(xv, 'data');
  const s = shapeOf(x);
  const axes = (axesOf(ctx, av, 13) ?? s.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, s.length));
  const dims = s.filter((_, i) => !axes.includes(i));
  if (x.kind === 'host') return [host(x.data, dims)];
  if (x.nhwc && x.t.shape[1] === 1 && x.t.shape[2] === 1 && axes.sort().join() === '2,3') return [tensor(tf.reshape(x.t, dims))];
  return [tensor(tf.reshape(plain(x), dims))];
};

export const unsqueeze: Op = (ctx, [xv, av]) => {
  const x = need(xv, 'data');
  const s = shapeOf(x);
  const axes = axesOf(ctx, av, 13)!
    .map((a) => normAxis(a, s.length + axesOf(ctx, av, 13)!.length))
    .sort((a, b) => a - b);
  const dims = [...s];
  for (const a of axes) dims.splice(a, 0, 1);
  if (x.kind === 'host') return [host(x.data, dims)];
  return [tensor(tf.reshape(plain(x), dims))];
};

export const concat: Op = (ctx, inputs) => {
  const vals = inputs.filter((v): v is Value => v !== undefined);
  const rank = shapeOf(vals[0]).length;
  const axis = normAxis(ctx.int('axis', 0), rank);
  if (vals.every((v) => v.kind === 'host')) {
    if (rank === 1) {
      const data = vals.flatMap((v) => (v as { data: number[] }).data);
      return [host(data, [data.length])];
    }
    return [onHost(vals[0] as Value & { kind: 'host' }, () => tf.concat(vals.map(plain), axis))];
  }
  if (vals.every((v) => v.kind === 'tensor' && v.nhwc))
    return [
      tensor(
        tf.concat(
          vals.map((v) => (v as { t: tf.Tensor }).t),
          NHWC_AXIS[axis],
        ),
        true,
      ),
    ];
  return [tensor(tf.concat(vals.map(plain), axis))];
};

export const slice: Op = (ctx, inputs) => {
  const x = need(inputs[0], 'data');
  const s = shapeOf(x);
  let starts: number[];
  let ends: number[];
  let axes: number[];
  let steps: number[];
  if (ctx.opset >= 10) {
    starts = hostData(need(inputs[1], 'starts'));
    ends = hostData(need(inputs[2], 'ends'));
    axes = inputs[3] ? hostData(inputs[3]) : starts.map((_, i) => i);
    steps = inputs[4] ? hostData(inputs[4]) : starts.map(() => 1);
  } else {
    starts = ctx.ints('starts')!;
    ends = ctx.ints('ends')!;
    axes = ctx.ints('axes') ?? starts.map((_, i) => i);
    steps = starts.map(() => 1);
  }
  if (steps.some((v) => !Number.isInteger(v) || v === 0) || [...starts, ...ends].some((v) => Number.isNaN(v))) {
    throw new OpError(`steps [${shortList(steps)}] must be whole numbers other than 0, and starts and ends numbers`);
  }
  if (starts.length !== ends.length || axes.length !== starts.length || steps.length !== starts.length)
    throw new OpError('starts, ends, axes and steps differ in length');
  const begin = s.map(() => 0);
  const end = [...s];
  const stride = s.map(() => 1);
  axes.forEach((a0, k) => {
    const a = normAxis(a0, s.length);
    const dim = s[a];
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    const st = steps[k];
    let b = starts[k] < 0 ? starts[k] + dim : starts[k];
    let e = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (st > 0) {
      b = clamp(b, 0, dim);
      e = clamp(e, 0, dim);
    } else {
      b = clamp(b, -1, dim - 1);
      e = clamp(e, -1, dim - 1);
    }
    begin[a] = b;
    end[a] = e;
    stride[a] = st;
  });
  // The indices each axis keeps (any step, negative ones included).
  const picks = s.map((dim, a) => {
    const out: number[] = [];
    for (let i = begin[a]; stride[a] > 0 ? i < end[a] : i > end[a]; i += stride[a]) out.push(i);
    return out;
  });
  if (x.kind === 'host') {
    // Integer tensors are sliced in JavaScript, exactly, on every backend.
    const strides = s.map((_, a) => s.slice(a + 1).reduce((p, q) => p * q, 1));
    const data: number[] = [];
    const walk = (a: number, offset: number): void => {
      if (a === s.length) {
        data.push(x.data[offset]);
        return;
      }
      for (const i of picks[a]) walk(a + 1, offset + i * strides[a]);
    };
    walk(0, 0);
    return [
      host(
        data,
        picks.map((p) => p.length),
      ),
    ];
  }
  // Tensors: tf.slice for the contiguous range (it has a gradient, StridedSlice has none), then a
  // gather on the axes whose step is not 1.
  const storedAxis = (a: number): number => (x.nhwc ? NHWC_AXIS[a] : a);
  const rank = s.length;
  const sliceBegin = new Array(rank).fill(0);
  const sliceSize = new Array(rank).fill(-1);
  for (let a = 0; a < rank; a++) {
    const p = picks[a];
    const lo = p.length ? Math.min(...p) : 0;
    sliceBegin[storedAxis(a)] = lo;
    sliceSize[storedAxis(a)] = p.length ? Math.max(...p) - lo + 1 : 0;
  }
  let t = tf.slice(x.t, sliceBegin, sliceSize);
  for (let a = 0; a < rank; a++) {
    if (stride[a] === 1) continue;
    const lo = sliceBegin[storedAxis(a)];
    t = tf.gather(
      t,
      tf.tensor1d(
        picks[a].map((i) => i - lo),
        'int32',
      ),
      storedAxis(a),
    );
  }
  return [tensor(t, x.nhwc)];
};

export const gather: Op = (ctx, [xv, iv]) => {
  const x = need(xv, 'data');
  const idx = need(iv, 'indices');
  const s = shapeOf(x);
  const axis = normAxis(ctx.int('axis', 0), s.length);
  const indices = hostData(idx).map((i) => (i < 0 ? i + s[axis] : i));
  const idxDims = idx.kind === 'host' ? idx.dims : idx.t.shape;
  if (x.kind === 'host') {
    if (s.length === 1)
      return [
        host(
          indices.map((i) => x.data[i]),
          idxDims,
        ),
      ];
    return [
      onHost(x, (t) => tf.reshape(tf.gather(t, tf.tensor(indices, [indices.length], 'int32'), axis), [...s.slice(0, axis), ...idxDims, ...s.slice(axis + 1)])),
    ];
  }
  const out = tf.gather(plain(x), tf.tensor(indices, [indices.length], 'int32'), axis);
  const dims = [...s.slice(0, axis), ...idxDims, ...s.slice(axis + 1)];
  return [tensor(tf.reshape(out, dims))];
};

export const shape: Op = (ctx, [xv]) => {
  const s = shapeOf(need(xv, 'data'));
  const start = normAxis(ctx.int('start', 0), s.length);
  const endAttr = ctx.attr('end');
  const end = endAttr ? normAxis(ctx.int('end', s.length), s.length) : s.length;
  const out = s.slice(start, end);
  return [host(out, [out.length])];
};

export const constant: Op = (ctx) => {
  const t = ctx.attr('value')?.t;
  if (t) return [fromOnnxTensor(t)];
  const a = ctx.attr('value_float');
  if (a) return [tensor(tf.scalar(a.f ?? 0))];
  const fl = ctx.attr('value_floats');
  if (fl) return [tensor(tf.tensor1d(fl.floats ?? []))];
  const i = ctx.attr('value_int');
  if (i) return [host([i.i ?? 0], [])];
  const is = ctx.attr('value_ints');
  if (is) return [host(is.ints ?? [])];
  throw new OpError('has no value Model Lens can read');
};

export const constantOfShape: Op = (ctx, [sv]) => {
  const dims = hostData(need(sv, 'shape'));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new OpError(`shape [${shortList(dims)}] must be whole numbers ≥ 0`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) throw new OpError(`shape [${shortList(dims)}] would make more than ${MAX_ELEMENTS} values`);
  const t = ctx.attr('value')?.t;
  const value = t ? (t.data as ArrayLike<number>)[0] : 0;
  // Integer constants stay on the host (shape arithmetic) while they are small.
  if (t && !(t.data instanceof Float32Array) && count <= 1 << 16) return [host(Array(count).fill(value), dims)];
  return [tensor(tf.fill(dims, value, t && !(t.data instanceof Float32Array) ? 'int32' : 'float32'))];
};

export const pad: Op = (ctx, [xv, pv, cv]) => {
  const x = need(xv, 'data');
  const mode = ctx.str('mode', 'constant');
  const pads = ctx.opset >= 11 ? hostData(need(pv, 'pads')) : ctx.ints('pads');
  if (!pads) throw new OpError('has no pads');
  const value = ctx.opset >= 11 ? (cv ? hostData(cv)[0] : 0) : ctx.float('value', 0);
  const rank = pads.length / 2;
  let pairs = Array.from({ length: rank }, (_, i) => [pads[i], pads[i + rank]] as [number, number]);
  let t = x.kind === 'tensor' && x.nhwc ? x.t : plain(x);
  const channelsLast = x.kind === 'tensor' && x.nhwc;
  if (channelsLast) pairs = [0, 2, 3, 1].map((a) => pairs[a]);
  if (pairs.some(([a, b]) => a < 0 || b < 0)) throw new OpError('negative pads (cropping) are not supported');
  if (pairs.some(([a, b]) => !Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a > MAX_WINDOW_ATTR || b > MAX_WINDOW_ATTR))
    throw new OpError(`pads [${shortList(pads)}] must be whole numbers from 0 to ${MAX_WINDOW_ATTR}`);
  if (pairs.length !== t.rank) throw new OpError(`has ${pads.length} pads for a rank-${t.rank} input (it needs ${2 * t.rank})`);
  if (t.shape.reduce((n, d, i) => n * (d + pairs[i][0] + pairs[i][1]), 1) > MAX_ELEMENTS)
    throw new OpError(`pads [${shortList(pads)}] would make more than ${MAX_ELEMENTS} values`);
  if (mode === 'constant') t = tf.pad(t, pairs, value);
  else if (mode === 'reflect') t = tf.mirrorPad(t, pairs, 'reflect');
  else throw new OpError(`pad mode "${printable(mode)}" is not supported (constant and reflect are)`);
  return [tensor(t, channelsLast)];
};

export const resize: Op = (ctx, inputs) => {
  const x = nhwc(need(inputs[0], 'X'));
  const [, H, W] = x.shape;
  let size: [number, number] | undefined;
  /** The scales as given (ONNX's coordinate formulas use them, not output / input, when given). */
  let given: [number, number] | undefined;
  if (ctx.node.opType === 'Upsample') {
    const scales = ctx.opset >= 9 ? hostFloat(need(inputs[1], 'scales')) : (ctx.attr('scales')?.floats ?? []);
    size = [Math.floor(H * scales[2]), Math.floor(W * scales[3])];
    given = [scales[2], scales[3]];
  } else {
    // Resize-10: (X, scales); 11+: (X, roi, scales, sizes).
    const scalesV = ctx.opset >= 11 ? inputs[2] : inputs[1];
    const sizesV = ctx.opset >= 11 ? inputs[3] : undefined;
    if (sizesV && hostData(sizesV).length) {
      const s = hostData(sizesV);
      size = [s[2], s[3]];
    } else {
      const sc = hostFloat(need(scalesV, 'scales'));
      size = [Math.floor(H * sc[2]), Math.floor(W * sc[3])];
      given = [sc[2], sc[3]];
    }
  }
  if (!size || size.some((d) => !Number.isSafeInteger(d) || d < 1) || x.shape[0] * x.shape[3] * size[0] * size[1] > MAX_ELEMENTS) {
    throw new OpError(`output size [${size?.map(String).join(', ')}] must be whole numbers ≥ 1 and at most ${MAX_ELEMENTS} values in all`);
  }
  const mode = ctx.str('mode', 'nearest');
  const coord = ctx.str('coordinate_transformation_mode', ctx.opset >= 11 ? 'half_pixel' : 'asymmetric');
  const alignCorners = coord === 'align_corners';
  const halfPixel = coord === 'half_pixel' || coord === 'pytorch_half_pixel';
  if (mode === 'linear' || mode === 'bilinear') {
    if (!alignCorners && !halfPixel && coord !== 'asymmetric')
      throw new OpError(`linear resize with coordinate_transformation_mode "${printable(coord)}" is not supported`);
    return [tensor(tf.image.resizeBilinear(x, size, alignCorners, halfPixel), true)];
  }
  if (mode === 'nearest') {
    // Nearest by ONNX's formula, axis by axis, as gathers (exact for every coordinate mode and
    // nearest_mode, and differentiable).
    const nearest = ctx.str('nearest_mode', ctx.node.opType === 'Upsample' || ctx.opset < 11 ? 'floor' : 'round_prefer_floor');
    const indices = (inLen: number, outLen: number, givenScale?: number): number[] =>
      Array.from({ length: outLen }, (_, i) => {
        const scale = givenScale ?? outLen / inLen;
        let o: number;
        if (coord === 'align_corners') o = outLen === 1 ? 0 : (i * (inLen - 1)) / (outLen - 1);
        else if (coord === 'asymmetric') o = i / scale;
        else if (coord === 'tf_half_pixel_for_nn') o = (i + 0.5) / scale;
        else if (coord === 'pytorch_half_pixel') o = outLen > 1 ? (i + 0.5) / scale - 0.5 : 0;
        else if (coord === 'half_pixel') o = (i + 0.5) / scale - 0.5;
        else throw new OpError(`nearest resize with coordinate_transformation_mode "${printable(coord)}" is not supported`);
        let k: number;
        if (nearest === 'floor') k = Math.floor(o);
        else if (nearest === 'ceil') k = Math.ceil(o);
        else if (nearest === 'round_prefer_ceil') k = Math.round(o);
        else k = o - Math.floor(o) === 0.5 ? Math.floor(o) : Math.round(o);
        return Math.min(inLen - 1, Math.max(0, k));
      });
    const rows = tf.gather(x, tf.tensor1d(indices(H, size[0], given?.[0]), 'int32'), 1);
    return [tensor(tf.gather(rows, tf.tensor1d(indices(W, size[1], given?.[1]), 'int32'), 2), true)];
  }
  throw new OpError(`resize mode "${printable(mode)}" is not supported (nearest and linear are)`);
};

export const cast: Op = (ctx, [xv]) => {
  const x = need(xv, 'input');
  const to = ctx.int('to', ONNX_FLOAT);
  const toFloat = to === ONNX_FLOAT || to === ONNX_DOUBLE || to === ONNX_FLOAT16;
  if (x.kind === 'host') return toFloat ? [tensor(tf.tensor(x.data, x.dims, 'float32'))] : [x];
  return toFloat ? [tensor(tf.cast(x.t, 'float32'), x.nhwc)] : [tensor(tf.cast(x.t, 'int32'), x.nhwc)];
};

export const identity: Op = (_ctx, [xv]) => [need(xv, 'input')];
