import * as tf from '@tensorflow/tfjs-core';
import { makeBaseline } from '../baseline';
import { batched, embed, PairProgress } from './common';
import { similarity } from './embedding';
import type { PairContext, View } from './types';

export const METRIC_STEPS = 20;

export interface PairCurve {
  /** sim(e(x_t), e(other)) at t = 0, 1/steps, …, 1 of the pixels deleted (or inserted). */
  curve: number[];
  /** Trapezoid area under the curve over [0, 1]. */
  auc: number;
}

export interface PairMetrics {
  deletion: PairCurve;
  insertion: PairCurve;
}

export function trapezoid(curve: number[]): number {
  let area = 0;
  for (let i = 1; i < curve.length; i++) area += (curve[i - 1] + curve[i]) / 2;
  return area / (curve.length - 1);
}

/**
 * Conditional deletion and insertion for one view's map (EXPLAIN.md): the other view stays fixed;
 * the view's pixels are deleted (set to 0 after preprocessing), or inserted into a blurred copy, in
 * the order of the map, 1/steps of them per step; the curve records the similarity.
 */
export async function pairMetrics(ctx: PairContext, view: View, map: Float32Array, steps = METRIC_STEPS): Promise<PairMetrics> {
  const x = view === 'a' ? ctx.a : ctx.b;
  const [, height, width] = x.shape;
  const n = height * width;
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => map[q] - map[p] || p - q);
  const rank = new Int32Array(n);
  order.forEach((p, r) => (rank[p] = r));
  const other = embed(ctx, view === 'a' ? ctx.b : ctx.a);
  const blurred = makeBaseline(x, 'blur');
  const progress = new PairProgress(ctx, 2 * (steps + 1));
  try {
    const run = (insert: boolean) =>
      batched(progress, steps + 1, (start, count) =>
        tf.tidy(() => {
          // mask_t = 1 on the first t·n/steps pixels of the order.
          const masks = new Float32Array(count * n);
          for (let i = 0; i < count; i++) {
            const k = Math.round(((start + i) * n) / steps);
            for (let p = 0; p < n; p++) if (rank[p] < k) masks[i * n + p] = 1;
          }
          const m = tf.tensor4d(masks, [count, height, width, 1]);
          const batch = insert ? tf.add(tf.mul(x, m), tf.mul(blurred, tf.sub(1, m))) : tf.mul(x, tf.sub(1, m));
          return similarity(embed(ctx, batch as tf.Tensor4D), other, ctx.similarity).dataSync() as Float32Array;
        }),
      );
    const deletion = Array.from(await run(false));
    const insertion = Array.from(await run(true));
    return { deletion: { curve: deletion, auc: trapezoid(deletion) }, insertion: { curve: insertion, auc: trapezoid(insertion) } };
  } finally {
    tf.dispose([other, blurred]);
  }
}
