import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../random';
import { batched, baseSimilarity, embed, PairProgress } from './common';
import { similarity } from './embedding';
import type { PairAttribution, PairContext } from './types';

export interface ErasedRect {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Random erasing as pairwise occlusion uses it: an area of 10–30 % of the image, aspect ratio 1–1.5
 * (tall or wide with equal chance), placed uniformly where it fits. Draws five numbers from `rand`.
 */
export function randomErase(rand: () => number, height: number, width: number): ErasedRect {
  const area = (0.1 + 0.2 * rand()) * height * width;
  const ratio = 1 + 0.5 * rand();
  const tall = rand() < 0.5;
  const h = Math.max(1, Math.min(height, Math.round(Math.sqrt(area * (tall ? ratio : 1 / ratio)))));
  const w = Math.max(1, Math.min(width, Math.round(Math.sqrt(area / (tall ? ratio : 1 / ratio)))));
  return { top: Math.floor(rand() * (height - h + 1)), left: Math.floor(rand() * (width - w + 1)), height: h, width: w };
}

function eraseMasks(rects: ErasedRect[], height: number, width: number): Float32Array {
  const m = new Float32Array(rects.length * height * width);
  rects.forEach((r, i) => {
    for (let y = r.top; y < r.top + r.height; y++) m.fill(1, i * height * width + y * width + r.left, i * height * width + y * width + r.left + r.width);
  });
  return m;
}

/**
 * Pairwise occlusion: n trials; in trial k each view gets its own random erasing (fill 0 after
 * preprocessing, seeded: trial k draws view a's rectangle, then view b's); d_k = b − sim(e(x₁ᵏ), e(x₂ᵏ));
 * w = softmax(d / temperature) (temperature 1 by default, as EXPLAIN.md); each view's map accumulates
 * w_k on the pixels erased in that view in trial k — or, with `assign: 'smaller-norm'` (the reference
 * code's rule), only the view whose erased embedding has the smaller norm does — then is divided by
 * its maximum. Both views' maps are returned.
 */
export async function pairwiseOcclusion(ctx: PairContext): Promise<PairAttribution> {
  const [, height, width] = ctx.a.shape;
  const n = ctx.params.samples;
  const rand = mulberry32(ctx.params.seed);
  const rects = Array.from({ length: n }, () => ({ a: randomErase(rand, height, width), b: randomErase(rand, height, width) }));
  const base = baseSimilarity(ctx);
  const progress = new PairProgress(ctx, n);
  // Per trial: the similarity, and for `assign: 'smaller-norm'` the erased views' embedding norms beside it
  // (one loop's values, so a pool's shares carry them too).
  const only = ctx.params.assign === 'smaller-norm';
  const per = only ? 3 : 1;
  const values = await batched(
    progress,
    n,
    (start, count) =>
      tf.tidy(() => {
        const part = rects.slice(start, start + count);
        // The view with this batch's trials' rectangles erased, embedded.
        const erased = (view: 'a' | 'b') => {
          const m = tf.tensor4d(
            eraseMasks(
              part.map((r) => r[view]),
              height,
              width,
            ),
            [count, height, width, 1],
          );
          return embed(ctx, tf.mul(ctx[view], tf.sub(1, m)) as tf.Tensor4D);
        };
        const ea = erased('a');
        const eb = erased('b');
        const sim = similarity(ea, eb, ctx.similarity);
        const columns = only ? tf.stack([sim, tf.norm(ea, 'euclidean', 1), tf.norm(eb, 'euclidean', 1)], 1) : sim;
        return columns.dataSync() as Float32Array;
      }),
    undefined,
    per,
  );
  const sims = Array.from({ length: n }, (_, k) => values[k * per]);
  const norms = { a: Array.from({ length: n }, (_, k) => values[k * per + 1]), b: Array.from({ length: n }, (_, k) => values[k * per + 2]) };
  const d = sims.map((s) => base - s);
  let top = -Infinity;
  let bottom = Infinity;
  for (const v of d) {
    top = Math.max(top, v);
    bottom = Math.min(bottom, v);
  }
  const temperature = ctx.params.temperature ?? 1;
  const e = d.map((v) => Math.exp((v - top) / temperature));
  const total = e.reduce((x, y) => x + y, 0);
  const w = e.map((v) => v / total);
  const maps = { a: new Float32Array(height * width), b: new Float32Array(height * width) };
  rects.forEach((r, k) => {
    for (const view of ['a', 'b'] as const) {
      if (only && (view === 'a') !== norms.a[k] < norms.b[k]) continue;
      const { top: t, left, height: h, width: ww } = r[view];
      for (let y = t; y < t + h; y++) for (let x = left; x < left + ww; x++) maps[view][y * width + x] += w[k];
    }
  });
  for (const m of [maps.a, maps.b]) {
    let max = 0;
    for (const v of m) if (v > max) max = v;
    if (max > 0) for (let i = 0; i < m.length; i++) m[i] /= max;
  }
  return {
    a: { grid: { width, height, values: maps.a }, signed: false },
    b: { grid: { width, height, values: maps.b }, signed: false },
    base,
    // 1/Σw²: n when the weights are uniform (the map is then only where the erasures fell), 1 when one trial has them all.
    details: { trials: n, effectiveTrials: 1 / w.reduce((x, v) => x + v * v, 0), similarityRange: top - bottom },
  };
}
