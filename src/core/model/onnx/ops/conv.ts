// Convolution, pooling and batch normalization: the image operators (channels-last, explicit pads, checked windows).
import * as tf from '@tensorflow/tfjs-core';
import { nhwc, OpError, plain, shapeOf, tensor, type Value } from './value';
import { MAX_ELEMENTS, MAX_WINDOW_ATTR, need, type Op, type OpContext, shortList } from './common';

/** Explicit spatial pads [top, left, bottom, right] from ONNX `pads` / `auto_pad`. */
export function spatialPads(
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
export function pair2(ctx: OpContext, name: string, fallback?: [number, number]): [number, number] {
  const v = ctx.ints(name, fallback);
  if (!v) throw new OpError(`has no ${name}`);
  if (v.length !== 2) throw new OpError(`${name} [${shortList(v)}] must hold 2 values (2-D images only)`);
  return [v[0], v[1]];
}

/**
 * Checks a sliding window's attributes before a kernel sees them: whole numbers, strides, dilations
 * and kernels ≥ 1, pads ≥ 0, all bounded, and a window that fits the padded input (output ≥ 1).
 * TF.js's WebAssembly kernels trust these and read out of bounds otherwise.
 */
export function checkWindow(inH: number, inW: number, kH: number, kW: number, s: number[], d: number[], pads: number[], channels = 1): void {
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

export const padNhwc = (x: tf.Tensor4D, [t, l, b, r]: number[], value = 0): tf.Tensor4D =>
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

export const conv: Op = (ctx, [xv, wv, bv]) => {
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
  // Stride 1 with the centred pads of an odd window is TensorFlow's 'same' exactly: no Pad (and, in a
  // gradient, no Slice — 8 ms each on a MobileNetV2 batch of ten on wasm) for most depthwise layers.
  const same =
    sH === 1 &&
    sW === 1 &&
    dH === 1 &&
    dW === 1 &&
    kH % 2 === 1 &&
    kW % 2 === 1 &&
    pads[0] === pads[2] &&
    pads[1] === pads[3] &&
    2 * pads[0] === kH - 1 &&
    2 * pads[1] === kW - 1;
  const padding = same ? 'same' : 'valid';
  const padded = same ? x : padNhwc(x, pads);
  const key = `${ctx.node.outputs[0]}:filter`;
  let out: tf.Tensor4D;
  if (group === 1) {
    let filter = ctx.cache.get(key);
    if (!filter) ctx.cache.set(key, (filter = tf.keep(tf.transpose(plain(w), [2, 3, 1, 0]))));
    out = tf.conv2d(padded, filter as tf.Tensor4D, [sH, sW], padding, 'NHWC', [dH, dW]);
  } else if (Cg === 1 && group === C) {
    let filter = ctx.cache.get(key);
    if (!filter) ctx.cache.set(key, (filter = tf.keep(tf.transpose(tf.reshape(plain(w), [C, M / C, kH, kW]), [2, 3, 0, 1]))));
    if ((dH > 1 || dW > 1) && (sH > 1 || sW > 1)) throw new OpError('depthwise convolution with both dilation and stride is not supported by TensorFlow.js');
    out = tf.depthwiseConv2d(padded, filter as tf.Tensor4D, [sH, sW], padding, 'NHWC', [dH, dW]);
  } else {
    const Mg = M / group;
    const filters: tf.Tensor4D[] = [];
    for (let g = 0; g < group; g++) {
      const k = `${key}:${g}`;
      let f = ctx.cache.get(k);
      if (!f) ctx.cache.set(k, (f = tf.keep(tf.transpose(tf.slice(plain(w), [g * Mg, 0, 0, 0], [Mg, Cg, kH, kW]), [2, 3, 1, 0]))));
      filters.push(f as tf.Tensor4D);
    }
    const parts = tf.split(padded, group, 3).map((p, g) => tf.conv2d(p as tf.Tensor4D, filters[g], [sH, sW], padding, 'NHWC', [dH, dW]));
    out = tf.concat(parts, 3);
  }
  if (bv) out = tf.add(out, plain(bv));
  return [tensor(out, true)];
};

export const convTranspose: Op = (ctx, [xv, wv, bv]) => {
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

export function pool(kind: 'max' | 'avg'): Op {
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

export function globalPool(kind: 'max' | 'avg'): Op {
  return (_ctx, [xv]) => {
    const x = nhwc(need(xv, 'X'));
    return [tensor(kind === 'avg' ? tf.mean(x, [1, 2], true) : tf.max(x, [1, 2], true), true)];
  };
}

export const batchNorm: Op = (ctx, [xv, scale, bias, mean, variance]) => {
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
