import * as tf from '@tensorflow/tfjs-core';
import { tidyValue } from '../engine/tidy';
import { gridOf } from './grid';
import type { Attribution, ExplainContext } from './types';

/**
 * An edge detector as a "method": the Sobel gradient magnitude √(Gx² + Gy²) of the model input, per
 * channel ('same' size, zero padding), summed over channels. It never looks at the model: the
 * model-independent map of the sanity check (Adebayo et al. 2018), whose map must not change when the
 * model's weights are randomised.
 */
export async function edge(ctx: ExplainContext): Promise<Attribution> {
  const grid = tidyValue(() => {
    const c = ctx.input.shape[3];
    const gx = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
    const gy = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
    const kernel = (k: number[]) => tf.tile(tf.tensor4d(k, [3, 3, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const dx = tf.depthwiseConv2d(ctx.input, kernel(gx), 1, 'same');
    const dy = tf.depthwiseConv2d(ctx.input, kernel(gy), 1, 'same');
    return gridOf(tf.sum(tf.sqrt(tf.add(tf.square(dx), tf.square(dy))), -1));
  });
  return { grid, signed: false };
}
