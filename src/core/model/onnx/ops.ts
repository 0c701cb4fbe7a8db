import * as tf from '@tensorflow/tfjs-core';
import { printable } from '../../io/files';
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './proto';
import { ONNX_BOOL, ONNX_DOUBLE, ONNX_FLOAT, ONNX_FLOAT16 } from './proto';

/**
 * A value flowing through the translated graph. Images (4-D, NCHW in ONNX) are kept channels-last
 * (`nhwc`), which the wasm backend's kernels need; everything else keeps ONNX's layout. Small
 * integer tensors (shapes, axes, indices) live in JavaScript (`host`), so shape arithmetic such as
 * Shape → Gather → Unsqueeze → Concat → Reshape costs nothing and works with a free batch size.
 */
export type Value = { kind: 'tensor'; t: tf.Tensor; nhwc: boolean } | { kind: 'host'; data: number[]; dims: number[] };

/** A tensor value; only a 4-D tensor can be channels-last (an op that changed the rank drops the flag). */
export const tensor = (t: tf.Tensor, nhwc = false): Value => ({ kind: 'tensor', t, nhwc: nhwc && t.rank === 4 });
export const host = (data: number[], dims: number[] = [data.length]): Value => ({ kind: 'host', data, dims });

export function fromOnnxTensor(t: OnnxTensor): Value {
  const isFloat = t.dataType === ONNX_FLOAT || t.dataType === ONNX_FLOAT16 || t.dataType === ONNX_DOUBLE;
  if (isFloat) return tensor(tf.tensor(t.data as Float32Array, t.dims, 'float32'));
  if (t.dataType === ONNX_BOOL) return tensor(tf.tensor(t.data as number[], t.dims, 'bool'));
  return host(t.data as number[], t.dims);
}

/** The ONNX shape of a value (NCHW for channels-last images). */
export function shapeOf(v: Value): number[] {
  if (v.kind === 'host') return v.dims;
  const s = v.t.shape as number[];
  return v.nhwc ? [s[0], s[3], s[1], s[2]] : s;
}

const INT32_MAX = 2 ** 31 - 1;
const toInt32 = (d: number[]): number[] => d.map((v) => Math.max(-INT32_MAX - 1, Math.min(INT32_MAX, v)));

/** The value as a tensor in ONNX's layout (host integers as int32, sentinels such as INT64_MAX clamped). */
export function plain(v: Value): tf.Tensor {
  if (v.kind === 'host') return tf.tensor(toInt32(v.data), v.dims, 'int32');
  return v.nhwc ? tf.transpose(v.t, [0, 3, 1, 2]) : v.t;
}

/** A 4-D value channels-last. */
export function nhwc(v: Value): tf.Tensor4D {
  if (v.kind === 'tensor' && v.nhwc && v.t.rank === 4) return v.t as tf.Tensor4D;
  const t = plain(v);
  if (t.rank !== 4) throw new OpError(`expects a 4-D input (N, C, H, W), got shape [${t.shape.join(', ')}]`);
  return tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
}

/** The value as JavaScript numbers (shapes, axes, indices). */
export function hostData(v: Value): number[] {
  if (v.kind === 'host') return v.data;
  // Shapes, axes, pads and indices are short: a huge one is a damaged file (and a JavaScript array that size kills the process).
  if (v.t.size > 1 << 20) throw new OpError(`reads ${v.t.size} values as a shape or index list`);
  return Array.from(plain(v).dataSync());
}

export class OpError extends Error {}

/** Computes on a host value with tensor operations and brings the (integer) result back to the host. */
function onHost(v: Value & { kind: 'host' }, fn: (t: tf.Tensor) => tf.Tensor): Value {
  return tf.tidy(() => {
    const r = fn(plain(v));
    return host(Array.from(r.dataSync()), r.shape as number[]);
  });
}

/** Where ONNX axis a (of a 4-D NCHW value) sits in channels-last storage. */
const NHWC_AXIS = [0, 3, 1, 2];
/** An ONNX axis as a non-negative index; an axis outside [-rank, rank] is refused (it would index far past the shape). */
const normAxis = (a: number, rank: number): number => {
  if (!Number.isSafeInteger(a) || a < -rank || a > rank) throw new OpError(`axis ${a} is out of range for a rank-${rank} input`);
  return a < 0 ? a + rank : a;
};

export interface OpContext {
  node: OnnxNode;
  opset: number;
  attr(name: string): OnnxAttribute | undefined;
  int(name: string, fallback: number): number;
  float(name: string, fallback: number): number;
  ints(name: string, fallback?: number[]): number[] | undefined;
  str(name: string, fallback: string): string;
  /** Weight caches (filters permuted once per node). */
  cache: Map<string, tf.Tensor>;
}

type Op = (ctx: OpContext, inputs: (Value | undefined)[]) => Value[];

const need = (v: Value | undefined, what: string): Value => {
  if (!v) throw new OpError(`needs its ${what} input`);
  return v;
};

/** Same ONNX broadcasting, with a channels-last operand: the other is brought to rank 4 and permuted. */
function align(a: Value, b: Value): { a: tf.Tensor; b: tf.Tensor; nhwc: boolean } {
  const channelsLast = (a.kind === 'tensor' && a.nhwc) || (b.kind === 'tensor' && b.nhwc);
  if (!channelsLast) return { a: plain(a), b: plain(b), nhwc: false };
  const lift = (v: Value): tf.Tensor => {
    if (v.kind === 'tensor' && v.nhwc) return v.t;
    const t = plain(v);
    if (t.rank === 0) return t;
    if (t.rank > 4) throw new OpError(`cannot broadcast a rank-${t.rank} value with an image`);
    const four = tf.reshape(t, [...Array(4 - t.rank).fill(1), ...t.shape]);
    return tf.transpose(four, [0, 2, 3, 1]);
  };
  return { a: lift(a), b: lift(b), nhwc: true };
}

function binary(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Op {
  return (_ctx, [x, y]) => {
    const a = need(x, 'first');
    const b = need(y, 'second');
    if (a.kind === 'host' && b.kind === 'host') {
      const r = fn(tf.tensor(a.data, a.dims), tf.tensor(b.data, b.dims));
      const data = Array.from(r.dataSync());
      const dims = r.shape;
      r.dispose();
      return [host(data, dims)];
    }
    const al = align(a, b);
    return [tensor(fn(al.a.dtype === 'int32' ? tf.cast(al.a, 'float32') : al.a, al.b.dtype === 'int32' ? tf.cast(al.b, 'float32') : al.b), al.nhwc)];
  };
}

function unary(fn: (t: tf.Tensor, ctx: OpContext) => tf.Tensor): Op {
  return (ctx, [x]) => {
    const v = need(x, 'data');
    if (v.kind === 'host') return [tensor(fn(tf.cast(plain(v), 'float32'), ctx))];
    return [tensor(fn(v.t, ctx), v.nhwc)];
  };
}

/** Explicit spatial pads [top, left, bottom, right] from ONNX `pads` / `auto_pad`. */
function spatialPads(
  ctx: OpContext,
  inH: number,
  inW: number,
  kH: number,
  kW: number,
  sH: number,
  sW: number,
  dH = 1,
  dW = 1,
): [number, number, number, number] {
  const auto = ctx.str('auto_pad', 'NOTSET');
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const total = (inp: number, k: number, s: number, d: number): number => Math.max(0, (Math.ceil(inp / s) - 1) * s + (k - 1) * d + 1 - inp);
    const th = total(inH, kH, sH, dH);
    const tw = total(inW, kW, sW, dW);
    const [t, l] = auto === 'SAME_UPPER' ? [Math.floor(th / 2), Math.floor(tw / 2)] : [Math.ceil(th / 2), Math.ceil(tw / 2)];
    return [t, l, th - t, tw - l];
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  const p = ctx.ints('pads', [0, 0, 0, 0])!;
  return [p[0], p[1], p[2], p[3]];
}

/** A 2-D window attribute (kernel_shape, strides, dilations): exactly two values, or the fallback when absent. */
function pair2(ctx: OpContext, name: string, fallback?: [number, number]): [number, number] {
  const v = ctx.ints(name, fallback);
  if (!v) throw new OpError(`has no ${name}`);
  if (v.length !== 2) throw new OpError(`${name} [${shortList(v)}] must hold 2 values (2-D images only)`);
  return [v[0], v[1]];
}

/** Numbers from a file for a message: at most 8, then an ellipsis. */
const shortList = (v: readonly number[]): string => (v.length > 8 ? `${v.slice(0, 8).join(', ')}, …` : v.join(', '));

/** Most values one intermediate tensor may hold (256 MB of floats: the wasm heap has 2 GB in all). */
const MAX_ELEMENTS = 1 << 26;
/** Largest stride, dilation, kernel or pad taken from a file (real models use single digits). */
const MAX_WINDOW_ATTR = 1 << 16;

/**
 * Checks a sliding window's attributes before a kernel sees them: whole numbers, strides, dilations
 * and kernels ≥ 1, pads ≥ 0, all bounded, and a window that fits the padded input (output ≥ 1).
 * TF.js's WebAssembly kernels trust these and read out of bounds otherwise.
 */
function checkWindow(inH: number, inW: number, kH: number, kW: number, s: number[], d: number[], pads: number[], channels = 1): void {
  const bad = (v: number, min: number): boolean => !Number.isSafeInteger(v) || v < min || v > MAX_WINDOW_ATTR;
  if (bad(kH, 1) || bad(kW, 1)) throw new OpError(`kernel ${kH}×${kW} is not a size of at least 1×1`);
  if (s.length < 2 || s.some((v) => bad(v, 1))) throw new OpError(`strides [${shortList(s)}] must be whole numbers from 1 to ${MAX_WINDOW_ATTR}`);
  if (d.length < 2 || d.some((v) => bad(v, 1))) throw new OpError(`dilations [${shortList(d)}] must be whole numbers from 1 to ${MAX_WINDOW_ATTR}`);
  if (pads.length < 4 || pads.some((v) => bad(v, 0))) throw new OpError(`pads [${shortList(pads)}] must be whole numbers from 0 to ${MAX_WINDOW_ATTR}`);
  const outH = Math.floor((inH + pads[0] + pads[2] - d[0] * (kH - 1) - 1) / s[0]) + 1;
  const outW = Math.floor((inW + pads[1] + pads[3] - d[1] * (kW - 1) - 1) / s[1]) + 1;
  if (outH < 1 || outW < 1) throw new OpError(`its ${kH}×${kW} window does not fit the ${inH}×${inW} input (padded by [${shortList(pads)}])`);
  if ((inH + pads[0] + pads[2]) * (inW + pads[1] + pads[3]) * channels > MAX_ELEMENTS)
    throw new OpError(`pads [${shortList(pads)}] would make more than ${MAX_ELEMENTS} values`);
}

const padNhwc = (x: tf.Tensor4D, [t, l, b, r]: number[], value = 0): tf.Tensor4D =>
  t || l || b || r
    ? tf.pad(
        x,
        [
          [0, 0],
          [t, b],
          [l, r],
          [0, 0],
        ],
        value,
      )
    : x;

const conv: Op = (ctx, [xv, wv, bv]) => {
  const x = nhwc(need(xv, 'X'));
  const w = need(wv, 'W');
  if (shapeOf(w).length !== 4) throw new OpError(`weights of shape [${shortList(shapeOf(w))}] are not 4-D (M, C/group, kH, kW)`);
  const [M, Cg, kH, kW] = shapeOf(w);
  const group = ctx.int('group', 1);
  const [sH, sW] = pair2(ctx, 'strides', [1, 1]);
  const [dH, dW] = pair2(ctx, 'dilations', [1, 1]);
  const C = x.shape[3];
  if (!Number.isSafeInteger(group) || group < 1 || M % group !== 0) throw new OpError(`group ${group} does not divide the ${M} output channels`);
  if (Cg * group !== C) throw new OpError(`weights expect ${Cg * group} input channels, the input has ${C}`);
  const pads = spatialPads(ctx, x.shape[1], x.shape[2], kH, kW, sH, sW, dH, dW);
  checkWindow(x.shape[1], x.shape[2], kH, kW, [sH, sW], [dH, dW], pads, x.shape[0] * x.shape[3]);
  const padded = padNhwc(x, pads);
  const key = `${ctx.node.outputs[0]}:filter`;
  let out: tf.Tensor4D;
  if (group === 1) {
    let filter = ctx.cache.get(key);
    if (!filter) ctx.cache.set(key, (filter = tf.keep(tf.transpose(plain(w), [2, 3, 1, 0]))));
    out = tf.conv2d(padded, filter as tf.Tensor4D, [sH, sW], 'valid', 'NHWC', [dH, dW]);
  } else if (Cg === 1 && group === C) {
    let filter = ctx.cache.get(key);
    if (!filter) ctx.cache.set(key, (filter = tf.keep(tf.transpose(tf.reshape(plain(w), [C, M / C, kH, kW]), [2, 3, 0, 1]))));
    if ((dH > 1 || dW > 1) && (sH > 1 || sW > 1)) throw new OpError('depthwise convolution with both dilation and stride is not supported by TensorFlow.js');
    out = tf.depthwiseConv2d(padded, filter as tf.Tensor4D, [sH, sW], 'valid', 'NHWC', [dH, dW]);
  } else {
    const Mg = M / group;
    const filters: tf.Tensor4D[] = [];
    for (let g = 0; g < group; g++) {
      const k = `${key}:${g}`;
      let f = ctx.cache.get(k);
      if (!f) ctx.cache.set(k, (f = tf.keep(tf.transpose(tf.slice(plain(w), [g * Mg, 0, 0, 0], [Mg, Cg, kH, kW]), [2, 3, 1, 0]))));
      filters.push(f as tf.Tensor4D);
    }
    const parts = tf.split(padded, group, 3).map((p, g) => tf.conv2d(p as tf.Tensor4D, filters[g], [sH, sW], 'valid', 'NHWC', [dH, dW]));
    out = tf.concat(parts, 3);
  }
  if (bv) out = tf.add(out, plain(bv));
  return [tensor(out, true)];
};

const convTranspose: Op = (ctx, [xv, wv, bv]) => {
  const x = nhwc(need(xv, 'X'));
  const w = need(wv, 'W');
  if (shapeOf(w).length !== 4) throw new OpError(`weights of shape [${shortList(shapeOf(w))}] are not 4-D (C, M/group, kH, kW)`);
  const [Cin, Mg, kH, kW] = shapeOf(w);
  if (ctx.int('group', 1) !== 1) throw new OpError('grouped transposed convolution is not supported');
  const [dH, dW] = pair2(ctx, 'dilations', [1, 1]);
  if (dH !== 1 || dW !== 1) throw new OpError('dilated transposed convolution is not supported');
  if (Cin !== x.shape[3]) throw new OpError(`weights expect ${Cin} input channels, the input has ${x.shape[3]}`);
  const [sH, sW] = pair2(ctx, 'strides', [1, 1]);
  const [opH, opW] = pair2(ctx, 'output_padding', [0, 0]);
  const [t, l, b, r] = ctx.ints('pads', [0, 0, 0, 0])!;
  const [, H, W] = x.shape;
  checkWindow(kH, kW, kH, kW, [sH, sW], [1, 1], [t, l, b, r]);
  if ([opH, opW].some((v) => !Number.isSafeInteger(v) || v < 0 || v >= Math.max(sH, sW)))
    throw new OpError(`output_padding [${opH}, ${opW}] must be whole numbers below the stride`);
  const fullH = sH * (H - 1) + kH + opH;
  const fullW = sW * (W - 1) + kW + opW;
  const key = `${ctx.node.outputs[0]}:filter`;
  let filter = ctx.cache.get(key);
  if (!filter) ctx.cache.set(key, (filter = tf.keep(tf.transpose(plain(w), [2, 3, 1, 0]))));
  let out = tf.conv2dTranspose(x, filter as tf.Tensor4D, [x.shape[0], fullH, fullW, Mg], [sH, sW], 'valid');
  out = tf.slice(out, [0, t, l, 0], [-1, fullH - t - b, fullW - l - r, -1]);
  if (bv) out = tf.add(out, plain(bv));
  return [tensor(out, true)];
};

function pool(kind: 'max' | 'avg'): Op {
  return (ctx, [xv]) => {
    const x = nhwc(need(xv, 'X'));
    const [kH, kW] = pair2(ctx, 'kernel_shape');
    const [sH, sW] = pair2(ctx, 'strides', [1, 1]);
    const [dH, dW] = pair2(ctx, 'dilations', [1, 1]);
    if (dH !== 1 || dW !== 1) throw new OpError('dilated pooling is not supported');
    const [t, l, b, r] = spatialPads(ctx, x.shape[1], x.shape[2], kH, kW, sH, sW);
    checkWindow(x.shape[1], x.shape[2], kH, kW, [sH, sW], [1, 1], [t, l, b, r], x.shape[0] * x.shape[3]);
    // ceil_mode: extra padding at the end (never counted in averages).
    let extraB = 0;
    let extraR = 0;
    if (ctx.int('ceil_mode', 0)) {
      const outSize = (inp: number, k: number, s: number, p: number): number => Math.ceil((inp + p - k) / s) + 1;
      const oh = outSize(x.shape[1], kH, sH, t + b);
      const ow = outSize(x.shape[2], kW, sW, l + r);
      // PyTorch: the last window must start inside the input or its left padding.
      const fix = (o: number, inp: number, s: number, p0: number): number => ((o - 1) * s >= inp + p0 ? o - 1 : o);
      const fh = fix(oh, x.shape[1], sH, t);
      const fw = fix(ow, x.shape[2], sW, l);
      extraB = Math.max(0, (fh - 1) * sH + kH - (x.shape[1] + t + b));
      extraR = Math.max(0, (fw - 1) * sW + kW - (x.shape[2] + l + r));
    }
    if (kind === 'max') {
      const padded = padNhwc(x, [t, l, b + extraB, r + extraR], -3.4e38);
      return [tensor(tf.maxPool(padded, [kH, kW], [sH, sW], 'valid'), true)];
    }
    const countPad = ctx.int('count_include_pad', 0) === 1;
    const padded = padNhwc(x, [t, l, b + extraB, r + extraR]);
    const avg = tf.avgPool(padded, [kH, kW], [sH, sW], 'valid');
    if (!(t || l || b || r || extraB || extraR)) return [tensor(avg, true)];
    // Divide by the number of counted cells: a padded mask of ones (pads counted or not).
    const ones = tf.ones([1, x.shape[1], x.shape[2], 1]) as tf.Tensor4D;
    const mask = countPad
      ? padNhwc(
          tf.pad(
            ones,
            [
              [0, 0],
              [t, b],
              [l, r],
              [0, 0],
            ],
            1,
          ) as tf.Tensor4D,
          [0, 0, extraB, extraR],
        )
      : padNhwc(ones, [t, l, b + extraB, r + extraR]);
    const counted = tf.avgPool(mask, [kH, kW], [sH, sW], 'valid');
    return [tensor(tf.div(avg, counted), true)];
  };
}

function globalPool(kind: 'max' | 'avg'): Op {
  return (_ctx, [xv]) => {
    const x = nhwc(need(xv, 'X'));
    return [tensor(kind === 'avg' ? tf.mean(x, [1, 2], true) : tf.max(x, [1, 2], true), true)];
  };
}

const batchNorm: Op = (ctx, [xv, scale, bias, mean, variance]) => {
  const x = need(xv, 'X');
  const eps = ctx.float('epsilon', 1e-5);
  const t = x.kind === 'tensor' && x.nhwc ? x.t : plain(x);
  const channelsLast = x.kind === 'tensor' && x.nhwc;
  const shaped = (v: Value | undefined, what: string): tf.Tensor => {
    const p = plain(need(v, what));
    if (channelsLast || t.rank <= 2) return p;
    return tf.reshape(p, [p.shape[0], ...Array(t.rank - 2).fill(1)]);
  };
  const out = tf.batchNorm(t, shaped(mean, 'mean'), shaped(variance, 'var'), shaped(bias, 'B'), shaped(scale, 'scale'), eps);
  return [tensor(out, channelsLast)];
};

function flattenTo2d(t: tf.Tensor, axis: number): tf.Tensor {
  const s = t.shape;
  const a = normAxis(axis, s.length);
  const outer = s.slice(0, a).reduce((p, q) => p * q, 1);
  return tf.reshape(t, [outer, -1]);
}

const flatten: Op = (ctx, [xv]) => {
  const x = need(xv, 'input');
  const axis = ctx.int('axis', 1);
  // Channels-last with 1×1 spatial size flattens to the same order as NCHW: no transpose.
  if (x.kind === 'tensor' && x.nhwc && axis === 1 && x.t.shape[1] === 1 && x.t.shape[2] === 1) return [tensor(tf.reshape(x.t, [x.t.shape[0], -1]))];
  return [tensor(flattenTo2d(plain(x), axis))];
};

function reshapeDims(target: number[], input: number[], allowZero: boolean): number[] {
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

const reshape: Op = (ctx, [xv, sv]) => {
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

const transpose: Op = (ctx, [xv]) => {
  const x = need(xv, 'data');
  const t = plain(x);
  const perm = ctx.ints('perm') ?? t.shape.map((_, i) => t.rank - 1 - i);
  if (x.kind === 'host') return [onHost(x, (u) => tf.transpose(u, perm))];
  // NCHW → NHWC of a value already stored channels-last: nothing to do but relabel.
  if (x.kind === 'tensor' && x.nhwc && perm.join() === '0,2,3,1') return [tensor(x.t)];
  return [tensor(tf.transpose(t, perm))];
};

function axesOf(ctx: OpContext, input: Value | undefined, sinceOpset: number): number[] | undefined {
  if (ctx.opset >= sinceOpset) return input ? hostData(input) : undefined;
  return ctx.ints('axes');
}

const squeeze: Op = (ctx, [xv, av]) => {
  const x = need(xv, 'data');
  const s = shapeOf(x);
  const axes = (axesOf(ctx, av, 13) ?? s.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, s.length));
  const dims = s.filter((_, i) => !axes.includes(i));
  if (x.kind === 'host') return [host(x.data, dims)];
  if (x.nhwc && x.t.shape[1] === 1 && x.t.shape[2] === 1 && axes.sort().join() === '2,3') return [tensor(tf.reshape(x.t, dims))];
  return [tensor(tf.reshape(plain(x), dims))];
};

const unsqueeze: Op = (ctx, [xv, av]) => {
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

const concat: Op = (ctx, inputs) => {
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

const slice: Op = (ctx, inputs) => {
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

const gather: Op = (ctx, [xv, iv]) => {
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

const shape: Op = (ctx, [xv]) => {
  const s = shapeOf(need(xv, 'data'));
  const start = normAxis(ctx.int('start', 0), s.length);
  const endAttr = ctx.attr('end');
  const end = endAttr ? normAxis(ctx.int('end', s.length), s.length) : s.length;
  const out = s.slice(start, end);
  return [host(out, [out.length])];
};

const constant: Op = (ctx) => {
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

const constantOfShape: Op = (ctx, [sv]) => {
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

const pad: Op = (ctx, [xv, pv, cv]) => {
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

const resize: Op = (ctx, inputs) => {
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

function hostFloat(v: Value): number[] {
  return v.kind === 'host' ? v.data : Array.from(v.t.dataSync());
}

function reduce(fn: (t: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): Op {
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

function softmaxOp(log: boolean): Op {
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

const gemm: Op = (ctx, [av, bv, cv]) => {
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

const matMul: Op = (_ctx, [av, bv]) => {
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

const clip: Op = (ctx, [xv, minV, maxV]) => {
  const x = need(xv, 'input');
  const lo = ctx.opset >= 11 ? (minV ? hostFloat(minV)[0] : -3.4e38) : ctx.float('min', -3.4e38);
  const hi = ctx.opset >= 11 ? (maxV ? hostFloat(maxV)[0] : 3.4e38) : ctx.float('max', 3.4e38);
  const t = x.kind === 'tensor' ? x.t : tf.cast(plain(x), 'float32');
  // clipByValue has a gradient of zero outside the range, as ONNX's definition implies.
  return [tensor(tf.clipByValue(t, lo, hi), x.kind === 'tensor' && x.nhwc)];
};

const layerNorm: Op = (ctx, [xv, sv, bv]) => {
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

const cast: Op = (ctx, [xv]) => {
  const x = need(xv, 'input');
  const to = ctx.int('to', ONNX_FLOAT);
  const toFloat = to === ONNX_FLOAT || to === ONNX_DOUBLE || to === ONNX_FLOAT16;
  if (x.kind === 'host') return toFloat ? [tensor(tf.tensor(x.data, x.dims, 'float32'))] : [x];
  return toFloat ? [tensor(tf.cast(x.t, 'float32'), x.nhwc)] : [tensor(tf.cast(x.t, 'int32'), x.nhwc)];
};

const identity: Op = (_ctx, [xv]) => [need(xv, 'input')];

/** ArgMax / ArgMin: indices along `axis` (ONNX axes, so channels-last values are brought back to ONNX layout first). */
function argReduce(fn: (t: tf.Tensor, axis: number) => tf.Tensor): Op {
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

const notOp: Op = (_ctx, [xv]) => {
  const x = need(xv, 'X');
  return [tensor(tf.logicalNot(tf.cast(plain(x), 'bool')))];
};

const where: Op = (_ctx, [cv, xv, yv]) => {
  const [c, x, y] = [plain(need(cv, 'condition')), plain(need(xv, 'X')), plain(need(yv, 'Y'))];
  const cast = (t: tf.Tensor): tf.Tensor => (t.dtype === 'int32' && (x.dtype === 'float32' || y.dtype === 'float32') ? tf.cast(t, 'float32') : t);
  return [tensor(tf.where(tf.cast(c, 'bool'), cast(x), cast(y)))];
};

/** Every operator Model Lens translates, by ONNX op_type (default domain). */
export const OPS: Record<string, Op> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: matMul,
  Add: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  Div: binary((a, b) => (a.dtype === 'int32' && b.dtype === 'int32' ? tf.floorDiv(a, b) : tf.div(a, b))),
  Pow: binary(tf.pow),
  Max: binary(tf.maximum),
  Min: binary(tf.minimum),
  Relu: unary((t) => tf.relu(t)),
  LeakyRelu: unary((t, c) => tf.leakyRelu(t, c.float('alpha', 0.01))),
  Elu: unary((t, c) => {
    const a = c.float('alpha', 1);
    return a === 1 ? tf.elu(t) : tf.where(tf.greater(t, 0), t, tf.mul(a, tf.sub(tf.exp(t), 1)));
  }),
  Sigmoid: unary((t) => tf.sigmoid(t)),
  Tanh: unary((t) => tf.tanh(t)),
  HardSigmoid: unary((t, c) => tf.clipByValue(tf.add(tf.mul(t, c.float('alpha', 0.2)), c.float('beta', 0.5)), 0, 1)),
  HardSwish: unary((t) => tf.mul(t, tf.clipByValue(tf.add(tf.mul(t, 1 / 6), 0.5), 0, 1))),
  Erf: unary((t) => tf.erf(t)),
  Exp: unary((t) => tf.exp(t)),
  Log: unary((t) => tf.log(t)),
  Sqrt: unary((t) => tf.sqrt(t)),
  Neg: unary((t) => tf.neg(t)),
  Abs: unary((t) => tf.abs(t)),
  Reciprocal: unary((t) => tf.reciprocal(t)),
  Softplus: unary((t) => tf.softplus(t)),
  Clip: clip,
  Softmax: softmaxOp(false),
  LogSoftmax: softmaxOp(true),
  BatchNormalization: batchNorm,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalPool('avg'),
  GlobalMaxPool: globalPool('max'),
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Slice: slice,
  Gather: gather,
  Shape: shape,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Identity: identity,
  Dropout: identity,
  Pad: pad,
  Resize: resize,
  Upsample: resize,
  ReduceMean: reduce((t, axes, keep) => tf.mean(t, axes, keep)),
  ReduceSum: reduce((t, axes, keep) => tf.sum(t, axes, keep)),
  ReduceMax: reduce((t, axes, keep) => tf.max(t, axes, keep)),
  LayerNormalization: layerNorm,
  Cast: cast,
  // Forward-only operators (accuracy and post-processing branches of exported training graphs).
  ArgMax: argReduce((t, axis) => tf.argMax(t, axis)),
  ArgMin: argReduce((t, axis) => tf.argMin(t, axis)),
  Equal: binary(tf.equal),
  Less: binary(tf.less),
  LessOrEqual: binary(tf.lessEqual),
  Greater: binary(tf.greater),
  GreaterOrEqual: binary(tf.greaterEqual),
  And: binary((a, b) => tf.logicalAnd(tf.cast(a, 'bool'), tf.cast(b, 'bool'))),
  Or: binary((a, b) => tf.logicalOr(tf.cast(a, 'bool'), tf.cast(b, 'bool'))),
  Not: notOp,
  Where: where,
};

/** The most inputs each operator takes (ONNX's schemas); a node with more is refused before it runs. */
const MAX_INPUTS: Record<string, number> = {
  Conv: 3,
  ConvTranspose: 3,
  Gemm: 3,
  MatMul: 2,
  Relu: 1,
  LeakyRelu: 1,
  Elu: 1,
  Sigmoid: 1,
  Tanh: 1,
  HardSigmoid: 1,
  HardSwish: 1,
  Erf: 1,
  Exp: 1,
  Log: 1,
  Sqrt: 1,
  Neg: 1,
  Abs: 1,
  Reciprocal: 1,
  Softplus: 1,
  Add: 2,
  Sub: 2,
  Mul: 2,
  Div: 2,
  Pow: 2,
  Equal: 2,
  Less: 2,
  LessOrEqual: 2,
  Greater: 2,
  GreaterOrEqual: 2,
  And: 2,
  Or: 2,
  Not: 1,
  Where: 3,
  Softmax: 1,
  LogSoftmax: 1,
  BatchNormalization: 5,
  MaxPool: 1,
  AveragePool: 1,
  GlobalAveragePool: 1,
  GlobalMaxPool: 1,
  Flatten: 1,
  Reshape: 2,
  Transpose: 1,
  Squeeze: 2,
  Unsqueeze: 2,
  Slice: 5,
  Gather: 2,
  Shape: 1,
  Constant: 0,
  ConstantOfShape: 1,
  Identity: 1,
  Dropout: 3,
  Pad: 4,
  Resize: 4,
  Upsample: 2,
  ReduceMean: 2,
  ReduceSum: 2,
  ReduceMax: 2,
  LayerNormalization: 3,
  Cast: 1,
  ArgMax: 1,
  ArgMin: 1,
  Clip: 3,
};

/** Refuses a node with more inputs than its operator takes (its inputs would be read in the wrong places). */
export function checkArity(node: { opType: string; inputs: string[] }): void {
  const max = MAX_INPUTS[node.opType];
  if (max !== undefined && node.inputs.length > max) throw new OpError(`has ${node.inputs.length} inputs; ${node.opType} takes at most ${max}`);
}

export const isSupportedOp = (node: { opType: string; domain: string }): boolean => (node.domain === '' || node.domain === 'ai.onnx') && node.opType in OPS;
