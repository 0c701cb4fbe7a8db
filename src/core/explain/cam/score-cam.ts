import * as tf from '@tensorflow/tfjs-core';
import { mapBatched, scoreBatch } from '../batching';
import type { CamMethod } from './cam-method';

/**
 * Score-CAM (gradient-free): each channel upsampled to the input and min-max scaled → mask M_c;
 * s_c = score(x ⊙ M_c), batched; w = softmax(s).
 */
export const scoreCam: CamMethod = {
  kind: 'weights',
  needsGradient: false,
  weights: async ({ activation, ctx }) => {
    const [, , channels] = activation.shape;
    const [, height, width] = ctx.input.shape;
    // The masks of a batch's channels only (320 channels of 224×224 would hold 64 MB at once; on a
    // pool, each share makes only its own).
    const masksOf = (start: number, count: number) => {
      const up = tf.image.resizeBilinear(
        tf.expandDims(tf.transpose(tf.slice(activation, [0, 0, start], [-1, -1, count]), [2, 0, 1]), -1) as tf.Tensor4D,
        [height, width],
        false,
        true,
      );
      const lo = tf.min(up, [1, 2, 3], true);
      const hi = tf.max(up, [1, 2, 3], true);
      const range = tf.sub(hi, lo);
      // A constant channel carries no location: its mask is all zeros.
      return tf.where(tf.greater(range, 0), tf.div(tf.sub(up, lo), tf.maximum(range, 1e-12)), tf.zerosLike(up)) as tf.Tensor4D;
    };
    const scores = await mapBatched(ctx, channels, (start, count) => tf.tidy(() => scoreBatch(ctx, tf.mul(ctx.input, masksOf(start, count)) as tf.Tensor4D)));
    return tf.tidy(() => tf.softmax(tf.tensor1d(scores)) as tf.Tensor1D);
  },
};
