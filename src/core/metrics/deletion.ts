/**
 * Deletion and insertion (Petsiuk et al. 2018, RISE; EXPLAIN.md "Quality metrics"): pixels of the model
 * input are removed (set to 0 after preprocessing) — or, for insertion, put back into a Gaussian-blurred
 * copy (σ = 5 % of the image side) — in the order of a map, highest first, DELETION_STEP of the pixels
 * per step; the target's score after each step, and the trapezoid area under that curve over [0, 1]
 * (deletion: low is good; insertion: high is good). A random order (the mean over RANDOM_ORDERS seeded
 * permutations) is the baseline each number is read against. The perturbed inputs run in batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gaussianBlur } from '../explain/baseline';
import { mapBatched, type BatchOptions } from '../explain/batching';
import { mulberry32 } from '../explain/random';
import type { InspectableModel } from '../model/types';

export const DELETION_STEP = 0.05;
export const RANDOM_ORDERS = 5;
/** The insertion start's blur σ as a share of the image's longer side. */
export const INSERTION_BLUR = 0.05;

/** The trapezoid area under values taken at equal steps over [0, 1]. */
export function auc(ys: ArrayLike<number>): number {
  if (ys.length < 2) return ys.length ? ys[0] : 0;
  let s = 0;
  for (let i = 0; i + 1 < ys.length; i++) s += (ys[i] + ys[i + 1]) / 2;
  return s / (ys.length - 1);
}

/** Pixel indices by the map, highest first (ties: the lower index first). */
export function pixelOrder(map: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from({ length: map.length }, (_, i) => i).sort((a, b) => map[b] - map[a] || a - b));
}

/** A seeded random order of n pixels (Fisher–Yates with mulberry32). */
export function randomOrder(n: number, seed: number): Int32Array {
  const rand = mulberry32(seed + 1);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** How many pixels are changed at each step: round(k · step · n) for k = 0 … 1/step. */
export function stepCounts(n: number, step = DELETION_STEP): number[] {
  const steps = Math.round(1 / step);
  return Array.from({ length: steps + 1 }, (_, k) => Math.round((k / steps) * n));
}

/**
 * The scores of the inputs where the first counts[k] pixels of `order` come from `to` and the rest from
 * `from` ([1, H, W, C] each; order indexes H × W). `score` maps the model's outputs to one value per row.
 */
export async function perturbationCurve(
  model: InspectableModel,
  from: tf.Tensor4D,
  to: tf.Tensor4D,
  order: Int32Array,
  counts: number[],
  score: (outputs: tf.Tensor[]) => tf.Tensor1D,
  batch: BatchOptions,
): Promise<Float32Array> {
  const [, h, w] = from.shape;
  const rank = new Int32Array(h * w);
  order.forEach((p, i) => (rank[p] = i));
  return mapBatched(batch, counts.length, (start, count) =>
    tf.tidy(() => {
      const masks = new Float32Array(count * h * w);
      for (let k = 0; k < count; k++) {
        const c = counts[start + k];
        for (let p = 0; p < h * w; p++) if (rank[p] < c) masks[k * h * w + p] = 1;
      }
      const m = tf.tensor4d(masks, [count, h, w, 1]);
      const x = tf.add(tf.mul(from, tf.sub(1, m)), tf.mul(to, m));
      return score(model.forward(x).outputs).dataSync() as Float32Array;
    }),
  );
}

export interface DeletionResult {
  deletionAuc: number;
  insertionAuc: number;
  randomDeletionAuc: number;
  randomInsertionAuc: number;
  /** The curves (DELETION_STEP apart), for plots. */
  deletion: number[];
  insertion: number[];
}

/** Deletion and insertion AUC of a map at the model input's resolution ([H × W], row-major), with the random baseline. */
export async function deletionInsertion(
  model: InspectableModel,
  x: tf.Tensor4D,
  map: ArrayLike<number>,
  score: (outputs: tf.Tensor[]) => tf.Tensor1D,
  batch: BatchOptions,
): Promise<DeletionResult> {
  const [, h, w] = x.shape;
  const counts = stepCounts(h * w);
  const zeros = tf.zerosLike(x);
  const blurred = gaussianBlur(x, INSERTION_BLUR * Math.max(h, w));
  try {
    const curves = async (order: Int32Array) => ({
      deletion: await perturbationCurve(model, x, zeros, order, counts, score, batch),
      insertion: await perturbationCurve(model, blurred, x, order, counts, score, batch),
    });
    const own = await curves(pixelOrder(map));
    let rd = 0;
    let ri = 0;
    for (let s = 0; s < RANDOM_ORDERS; s++) {
      const r = await curves(randomOrder(h * w, s));
      rd += auc(r.deletion) / RANDOM_ORDERS;
      ri += auc(r.insertion) / RANDOM_ORDERS;
    }
    return {
      deletionAuc: auc(own.deletion),
      insertionAuc: auc(own.insertion),
      randomDeletionAuc: rd,
      randomInsertionAuc: ri,
      deletion: Array.from(own.deletion),
      insertion: Array.from(own.insertion),
    };
  } finally {
    zeros.dispose();
    blurred.dispose();
  }
}
