import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../../errors';
import { scoreBatch, yieldToEvents } from '../batching';
import { makeBaseline } from '../baseline';
import { inputGradient } from '../../model/gradient';
import type { Attribution, ExplainContext } from '../types';
import { gridOf } from './saliency';
import { tidyValue } from '../../engine/tidy';

/**
 * Integrated Gradients, right Riemann sum: (x − x₀) ⊙ (1/m)·Σ_{k=1..m} ∂score/∂x at x₀ + (k/m)(x − x₀),
 * batched; the map sums the channels (signed). Reports the completeness gap |Σ IG − (f(x) − f(x₀))|.
 */
export async function integratedGradients(ctx: ExplainContext): Promise<Attribution> {
  const m = Math.max(1, Math.floor(ctx.params.steps));
  const batchSize = Math.max(1, ctx.params.batchSize);
  const x0 = makeBaseline(ctx.input, ctx.params.baseline);
  const diff = tf.sub(ctx.input, x0) as tf.Tensor4D;
  let sum = tf.zerosLike(ctx.input) as tf.Tensor;
  try {
    for (let start = 1; start <= m; start += batchSize) {
      throwIfAborted(ctx.signal);
      const count = Math.min(batchSize, m - start + 1);
      const next = tf.tidy(() => {
        const alphas = tf.reshape(tf.div(tf.range(start, start + count, 1, 'float32'), m), [count, 1, 1, 1]);
        const points = tf.add(x0, tf.mul(alphas, diff));
        return tf.add(sum, tf.sum(inputGradient(ctx.model, points, ctx.score), 0, true));
      });
      sum.dispose();
      sum = next;
      ctx.onProgress?.(start + count - 1, m);
      await yieldToEvents();
    }
    throwIfAborted(ctx.signal);
    return tidyValue((): Attribution => {
      const ig = tf.mul(diff, tf.div(sum, m));
      const fx = scoreBatch(ctx, ctx.input)[0];
      const fx0 = scoreBatch(ctx, x0)[0];
      const gap = Math.abs(tf.sum(ig).dataSync()[0] - (fx - fx0));
      return { grid: gridOf(tf.sum(ig, -1)), signed: true, details: { completenessGap: gap, scoreInput: fx, scoreBaseline: fx0 } };
    });
  } finally {
    tf.dispose([x0, diff, sum]);
  }
}
