import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../errors';
import type { ExplainContext } from './types';

/** Lets pending messages (a cancel) in between batches. */
export const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What batching needs of a context: a batch size, an abort signal and a progress callback. */
export interface BatchOptions {
  params: { batchSize: number };
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs `total` items through `run` in batches of ctx.params.batchSize, checking the abort signal
 * and reporting progress between batches. `run(start, count)` returns one number per item;
 * `onBatch` sees the values so far (items not yet run are 0).
 */
export async function mapBatched(
  ctx: BatchOptions,
  total: number,
  run: (start: number, count: number) => Float32Array | number[],
  onBatch?: (values: Float32Array, done: number) => void,
): Promise<Float32Array> {
  const out = new Float32Array(total);
  const size = Math.max(1, Math.floor(ctx.params.batchSize));
  for (let start = 0; start < total; start += size) {
    throwIfAborted(ctx.signal);
    const count = Math.min(size, total - start);
    out.set(run(start, count), start);
    onBatch?.(out, start + count);
    ctx.onProgress?.(start + count, total);
    await yieldToEvents();
  }
  throwIfAborted(ctx.signal);
  return out;
}

/** Scores of a batch of inputs through the whole model. */
export function scoreBatch(ctx: ExplainContext, batch: tf.Tensor4D): Float32Array {
  return tf.tidy(() => {
    const { outputs } = ctx.model.forward(batch);
    return ctx.score(outputs).dataSync() as Float32Array;
  });
}

/** The input repeated n times along the batch axis. */
export function tileInput(x: tf.Tensor4D, n: number): tf.Tensor4D {
  return n === 1 ? tf.clone(x) : tf.tile(x, [n, 1, 1, 1]);
}
