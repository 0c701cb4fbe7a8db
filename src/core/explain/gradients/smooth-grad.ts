import * as tf from '@tensorflow/tfjs-core';
import { reportBatch, sumBatched } from '../batching';
import { inputGradient } from '../../model/gradient';
import type { Attribution, ExplainContext } from '../types';
import { gridOf } from '../grid';
import { gaussianNoise } from '../random';
import { tidyValue } from '../../engine/tidy';

/** SmoothGrad: mean of saliency over n noisy copies, σ = noise·(max − min) of the input; batched, seeded. */
export async function smoothGrad(ctx: ExplainContext): Promise<Attribution> {
  const { samples, noise, seed, batchSize } = ctx.params;
  const n = Math.max(1, Math.floor(samples));
  const sigma = tf.tidy(() => noise * (tf.max(ctx.input).dataSync()[0] - tf.min(ctx.input).dataSync()[0]));
  const [, h, w] = ctx.input.shape;
  const total = await sumBatched(
    { batchSize, signal: ctx.signal, split: ctx.split },
    n,
    () => tf.zeros([h, w]),
    (start, count) => {
      const shape = [count, ...ctx.input.shape.slice(1)] as [number, number, number, number];
      // Each sample's noise from its own seed: the same samples however the items are batched or shared out.
      const size = h * w * ctx.input.shape[3];
      const noise = new Float32Array(count * size);
      for (let i = 0; i < count; i++) noise.set(gaussianNoise(size, sigma, seed * 1_000_003 + start + i), i * size);
      const noisy = tf.add(ctx.input, tf.tensor4d(noise, shape));
      const sal = tf.max(tf.abs(inputGradient(ctx.model, noisy, ctx.score)), -1);
      return tf.sum(sal, 0);
    },
    reportBatch(ctx, n),
  );
  try {
    const grid = tidyValue(() => gridOf(tf.expandDims(tf.div(total, n), 0)));
    return { grid, signed: false };
  } finally {
    total.dispose();
  }
}
