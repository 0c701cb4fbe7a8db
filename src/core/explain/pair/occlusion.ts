import * as tf from '@tensorflow/tfjs-core';
import { pairWindowGrid, windowMasks, windowsToPixels, type WindowGrid } from '../grid';
import type { Attribution } from '../types';
import { batched, baseSimilarity, embed, PairProgress } from './common';
import { similarity } from './embedding';
import type { PairAttribution, PairContext, View } from './types';

function attribution(values: Float32Array, g: WindowGrid, height: number, width: number, signed: boolean): Attribution {
  return {
    grid: { width: g.cols, height: g.rows, values },
    pixelMap: { width, height, values: windowsToPixels(values, height, width, g) },
    signed,
    details: { window: g.window, stride: g.stride },
  };
}

/**
 * The two occlusion methods that map one view at a time against the other view's fixed embedding.
 * `score(x, masks, other)` gives one value per window position.
 */
async function perView(
  ctx: PairContext,
  score: (x: tf.Tensor4D, masks: tf.Tensor4D, other: tf.Tensor2D) => tf.Tensor1D,
  signed: boolean,
): Promise<PairAttribution> {
  const [, height, width] = ctx.a.shape;
  const g = pairWindowGrid(height, width, ctx.params.window, ctx.params.stride);
  const n = g.rows * g.cols;
  const progress = new PairProgress(ctx, 2 * n);
  const base = baseSimilarity(ctx);
  const out: Partial<Record<View, Attribution>> = {};
  for (const view of ['a', 'b'] as View[]) {
    const x = view === 'a' ? ctx.a : ctx.b;
    const other = embed(ctx, view === 'a' ? ctx.b : ctx.a);
    try {
      const values = await batched(
        progress,
        n,
        (start, count) => tf.tidy(() => score(x, windowMasks(g, height, width, start, count), other).dataSync() as Float32Array),
        // Windows not yet run are 0 in the partial map.
        (so) => ctx.onPartial?.(view, { width: g.cols, height: g.rows, values: so.slice() }),
      );
      out[view] = attribution(values, g, height, width, signed);
    } finally {
      other.dispose();
    }
  }
  return { a: out.a!, b: out.b!, base, details: { window: g.window, stride: g.stride } };
}

/**
 * Conditional occlusion: S₁[ij] = sim(e(x₁ with window ij zeroed), e(x₂)); map₁ = b − S₁; the same
 * for x₂ against e(x₁). Zero is the baseline after preprocessing. Signed.
 */
export async function conditionalOcclusion(ctx: PairContext): Promise<PairAttribution> {
  const base = baseSimilarity(ctx);
  return perView(
    ctx,
    (x, m, other) => tf.sub(base, similarity(embed(ctx, tf.mul(x, tf.sub(1, m)) as tf.Tensor4D), other, ctx.similarity)) as tf.Tensor1D,
    true,
  );
}

/**
 * Context-agnostic conditional occlusion: u = e(only window ij kept, the rest zero) − e(window ij
 * zeroed); S₁[ij] = sim(u, e(x₂)); no baseline subtraction. Signed.
 */
export async function contextAgnosticOcclusion(ctx: PairContext): Promise<PairAttribution> {
  return perView(
    ctx,
    (x, m, other) => {
      const count = m.shape[0];
      // Both halves in one batch: kept windows, then zeroed windows.
      const both = embed(ctx, tf.concat([tf.mul(x, m), tf.mul(x, tf.sub(1, m))]) as tf.Tensor4D);
      const [kept, removed] = tf.split(both, [count, count]);
      return similarity(tf.sub(kept, removed) as tf.Tensor2D, other, ctx.similarity);
    },
    true,
  );
}
