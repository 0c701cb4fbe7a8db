import * as tf from '@tensorflow/tfjs-core';
import type { Baseline } from './types';

/** A separable Gaussian blur of an NHWC tensor, reflecting at the borders' edge (same size). */
export function gaussianBlur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const radius = Math.max(1, Math.ceil(3 * sigma));
    const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
    const total = taps.reduce((a, b) => a + b, 0);
    const k = tf.tensor1d(taps.map((t) => t / total));
    const channels = x.shape[3];
    const kx = tf.tile(tf.reshape(k, [1, 2 * radius + 1, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
    const ky = tf.tile(tf.reshape(k, [2 * radius + 1, 1, 1, 1]), [1, 1, channels, 1]) as tf.Tensor4D;
    const padded = tf.mirrorPad(
      x,
      [
        [0, 0],
        [radius, radius],
        [radius, radius],
        [0, 0],
      ],
      'symmetric',
    );
    return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, kx, 1, 'valid'), ky, 1, 'valid');
  });
}

/** Each baseline by name (specs.ts: BASELINES): the value that stands for "no information", after preprocessing. */
const BASELINE_OF: Record<Baseline, (x: tf.Tensor4D) => tf.Tensor4D> = {
  zero: (x) => tf.zerosLike(x),
  /** The per-channel mean of the input. */
  mean: (x) => tf.mul(tf.onesLike(x), tf.mean(x, [0, 1, 2], true)) as tf.Tensor4D,
  /** A blurred copy, σ = side/16: enough to remove object detail at any size. */
  blur: (x) => gaussianBlur(x, Math.max(1, Math.min(x.shape[1], x.shape[2]) / 16)),
};

/** The baseline of an input: zeros, its per-channel mean, or a blurred copy of it. */
export function makeBaseline(x: tf.Tensor4D, kind: Baseline): tf.Tensor4D {
  return tf.tidy(() => BASELINE_OF[kind](x));
}
