import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../errors';
import { gaussianNoise } from '../random';
import { sumBatched } from '../batching';
import { baseSimilarity, embed, PairProgress } from './common';
import { pairScore } from './embedding';
import type { PairAttribution, PairContext } from './types';

/** λ = 1, 0.9, …, 0.1. */
export const LAMBDAS = Array.from({ length: 10 }, (_, i) => Math.round((1 - i / 10) * 10) / 10);
/** Noise on the interior steps (0.9 … 0.2): σ = 2 % of the input's range. */
export const NOISE_SHARE = 0.02;

/**
 * The blended inputs x_λ = λx + (1 − λ)T(x) for every λ, seeded noise added on the interior steps,
 * [10, H, W, C]; the noise of view a uses `seed`, view b `seed + 1`.
 */
export function blendedInputs(x: tf.Tensor4D, tx: tf.Tensor4D, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w, c] = x.shape;
    const range = tf.sub(tf.max(x), tf.min(x)).dataSync()[0];
    const size = h * w * c;
    const noise = gaussianNoise(LAMBDAS.length * size, NOISE_SHARE * range, seed);
    // No noise at λ = 1 (the view itself) or at λ = 0.1 (the last step).
    noise.fill(0, 0, size);
    noise.fill(0, (LAMBDAS.length - 1) * size);
    const lambdas = tf.tensor4d(LAMBDAS, [LAMBDAS.length, 1, 1, 1]);
    const blend = tf.add(tf.mul(lambdas, x), tf.mul(tf.sub(1, lambdas), tx));
    return tf.add(blend, tf.tensor4d(noise, [LAMBDAS.length, h, w, c])) as tf.Tensor4D;
  });
}

/**
 * Averaged transforms: ḡ = mean over λ of ∂ sim(e(x_o), e(x_λ)) / ∂x_λ; saliency = max over channels
 * of |x ⊙ ḡ|, at the input's resolution, for each view against the other.
 */
export async function averagedTransforms(ctx: PairContext): Promise<PairAttribution> {
  if (!ctx.transformed) throw new InputError('averaged transforms need the transformed views T(x₁) and T(x₂).');
  const base = baseSimilarity(ctx);
  const progress = new PairProgress(ctx, 2 * LAMBDAS.length);
  const maps = [];
  for (const [view, x, tx, other] of [
    ['a', ctx.a, ctx.transformed.a, ctx.b],
    ['b', ctx.b, ctx.transformed.b, ctx.a],
  ] as const) {
    const e = embed(ctx, other);
    const inputs = blendedInputs(x, tx, ctx.params.seed + (view === 'a' ? 0 : 1));
    let sum: tf.Tensor | undefined;
    try {
      const score = pairScore(e, ctx.similarity);
      sum = await sumBatched(
        { batchSize: ctx.params.batchSize, signal: ctx.signal, split: ctx.split },
        LAMBDAS.length,
        () => tf.zerosLike(x),
        (start, count) => {
          const batch = tf.slice(inputs, [start, 0, 0, 0], [count, -1, -1, -1]);
          const g = tf.grad((xs: tf.Tensor) => tf.sum(score(ctx.model.forward(xs).outputs)))(batch);
          return tf.sum(g, 0, true);
        },
        (_done, count) => progress.step(count),
      );
      const total = sum;
      maps.push(tf.tidy(() => tf.squeeze(tf.max(tf.abs(tf.mul(x, tf.div(total, LAMBDAS.length))), 3), [0]) as tf.Tensor2D));
    } finally {
      tf.dispose([e, inputs, ...(sum ? [sum] : [])]);
    }
  }
  const [h, w] = maps[0].shape;
  const result: PairAttribution = {
    a: { grid: { width: w, height: h, values: maps[0].dataSync() as Float32Array }, signed: false },
    b: { grid: { width: w, height: h, values: maps[1].dataSync() as Float32Array }, signed: false },
    base,
    details: { steps: LAMBDAS.length },
  };
  tf.dispose(maps);
  return result;
}
