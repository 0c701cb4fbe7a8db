import * as tf from '@tensorflow/tfjs-core';
import { mapBatched, scoreBatchForward } from '../batching';
import { makeBaseline } from '../baseline';
import type { Attribution, ExplainContext } from '../types';
import { windowGrid, windowMasks, windowsToPixels } from '../grid';

/**
 * Occlusion sensitivity: grid[k] = score(x) − score(x with window k set to the baseline), windows
 * batched; the pixel map averages the windows covering each pixel. Signed.
 */
export async function occlusion(ctx: ExplainContext): Promise<Attribution> {
  const [, height, width, channels] = ctx.input.shape;
  const g = windowGrid(height, width, ctx.params.window, ctx.params.stride);
  const base = makeBaseline(ctx.input, ctx.params.baseline);
  try {
    const full = (await scoreBatchForward(ctx, ctx.input))[0];
    const occluded = await mapBatched(ctx, g.rows * g.cols, async (start, count) => {
      const batch = tf.tidy(() => {
        const m = windowMasks(g, height, width, start, count);
        return tf.add(tf.mul(ctx.input, tf.sub(1, m)), tf.mul(base, m)) as tf.Tensor4D;
      });
      try {
        return await scoreBatchForward(ctx, batch);
      } finally {
        batch.dispose();
      }
    });
    const values = occluded.map((s) => full - s);
    return {
      grid: { width: g.cols, height: g.rows, values },
      pixelMap: { width, height, values: windowsToPixels(values, height, width, g) },
      signed: true,
      details: { window: g.window, stride: g.stride, channels },
    };
  } finally {
    base.dispose();
  }
}
