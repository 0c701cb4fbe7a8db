import * as tf from '@tensorflow/tfjs-core';
import { reportBatch, scoreBatch, sumBatched } from '../batching';
import { makeBaseline } from '../baseline';
import { inputGradient } from '../../model/gradient';
import type { Attribution, ExplainContext } from '../types';
import { gridOf } from '../grid';
import { tidyValue } from '../../engine/tidy';

/**
 * Integrated Gradients, right Riemann sum: (x − x₀) ⊙ (1/m)·Σ_{k=1..m} ∂score/∂x at x₀ + (k/m)(x − x₀),
 * batched; the map sums the channels (signed). Reports the completeness gap |Σ IG − (f(x) − f(x₀))|.
 */
export async function integratedGradients(ctx: ExplainContext): Promise<Attribution> {
  const m = Math.max(1, Math.floor(ctx.params.steps));
  const x0 = makeBaseline(ctx.input, ctx.params.baseline);
  const diff = tf.sub(ctx.input, x0) as tf.Tensor4D;
  let sum: tf.Tensor | undefined;
  try {
    // Steps k = 1 … m: item i of the batches is step i + 1.
    sum = await sumBatched(
      { batchSize: ctx.params.batchSize, signal: ctx.signal, split: ctx.split },
      m,
      () => tf.zerosLike(ctx.input),
      (start, count) => {
        const alphas = tf.reshape(tf.div(tf.range(start + 1, start + 1 + count, 1, 'float32'), m), [count, 1, 1, 1]);
        const points = tf.add(x0, tf.mul(alphas, diff));
        return tf.sum(inputGradient(ctx.model, points, ctx.score), 0, true);
      },
      reportBatch(ctx, m),
    );
    const total = sum;
    return tidyValue((): Attribution => {
      const ig = tf.mul(diff, tf.div(total, m));
      const fx = scoreBatch(ctx, ctx.input)[0];
      const fx0 = scoreBatch(ctx, x0)[0];
      const gap = Math.abs(tf.sum(ig).dataSync()[0] - (fx - fx0));
      return { grid: gridOf(tf.sum(ig, -1)), signed: true, details: { completenessGap: gap, scoreInput: fx, scoreBaseline: fx0 } };
    });
  } finally {
    tf.dispose([x0, diff, ...(sum ? [sum] : [])]);
  }
}
