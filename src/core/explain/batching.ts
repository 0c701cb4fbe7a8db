import * as tf from '@tensorflow/tfjs-core';
import { activationBytesPerItem, batchSizeFor } from '../engine/memory';
import { throwIfAborted } from '../errors';
import type { InspectableModel } from '../model/types';
import { methodSpec, type MethodName } from './specs';
import type { ExplainContext } from './types';

/** Lets pending messages (a cancel) in between batches. */
export const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Batches aim at about this long, so that progress moves and a cancel is honoured well within a second. */
export const BATCH_TARGET_MS = 250;

/**
 * Batch sizes by the clock as well as by memory: the first batch is one item; each next one holds as
 * many items as the last batch's time per item says fit in BATCH_TARGET_MS — at most `cap` (the memory
 * budget, or the batch size asked for) and at most four times the last.
 */
export class BatchSizer {
  private size = 1;
  constructor(private readonly cap: number) {}

  /** The next batch's size, given what is left. */
  next(remaining: number): number {
    return Math.max(1, Math.min(this.size, this.cap, remaining));
  }

  /** A batch of `count` items took `ms`. */
  record(count: number, ms: number): void {
    const perItem = Math.max(ms, 0.01) / count;
    this.size = Math.max(1, Math.min(this.cap, 4 * count, Math.floor(BATCH_TARGET_MS / perItem)));
  }
}

/** What batching needs of a context: a batch size, an abort signal and a progress callback. */
export interface BatchOptions {
  params: { batchSize: number };
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs `total` items through `run` in batches of at most ctx.params.batchSize, sized by the clock
 * (BatchSizer), checking the abort signal and reporting progress between batches. `run(start, count)`
 * returns one number per item; `onBatch` sees the values so far (items not yet run are 0).
 */
export async function mapBatched(
  ctx: BatchOptions,
  total: number,
  run: (start: number, count: number) => Float32Array | number[],
  onBatch?: (values: Float32Array, done: number) => void,
): Promise<Float32Array> {
  const out = new Float32Array(total);
  const sizer = new BatchSizer(Math.max(1, Math.floor(ctx.params.batchSize)));
  for (let start = 0; start < total;) {
    throwIfAborted(ctx.signal);
    const count = sizer.next(total - start);
    const t0 = performance.now();
    out.set(run(start, count), start);
    sizer.record(count, performance.now() - t0);
    start += count;
    onBatch?.(out, start);
    ctx.onProgress?.(start, total);
    await yieldToEvents();
  }
  throwIfAborted(ctx.signal);
  return out;
}

/**
 * Adds up, over `total` items in batches of at most `batchSize` (sized by the clock, BatchSizer), what `run(start, count)` gives for
 * each batch — a tensor of the same shape every time, such as a batch's gradients summed over the
 * batch axis. Checks the abort signal before each batch and calls `after(done, count)` after it
 * (progress, yielding). Returns the sum; the caller owns it. Tensors of failed runs are released.
 */
export async function sumBatched(
  opts: { batchSize: number; signal?: AbortSignal },
  total: number,
  zeros: () => tf.Tensor,
  run: (start: number, count: number) => tf.Tensor,
  after: (done: number, count: number) => Promise<void> | void,
): Promise<tf.Tensor> {
  const sizer = new BatchSizer(Math.max(1, Math.floor(opts.batchSize)));
  let sum = zeros();
  try {
    for (let start = 0; start < total;) {
      throwIfAborted(opts.signal);
      const count = sizer.next(total - start);
      const t0 = performance.now();
      const next = tf.tidy(() => tf.add(sum, run(start, count)));
      // The cpu, wasm and native backends compute eagerly: the batch's work is done here.
      sum.dispose();
      sum = next;
      sizer.record(count, performance.now() - t0);
      start += count;
      await after(start, count);
    }
    throwIfAborted(opts.signal);
    return sum;
  } catch (err) {
    sum.dispose();
    throw err;
  }
}

/** `after` for sumBatched: progress to the context and a chance for a cancel to arrive. */
export const reportBatch =
  (ctx: { onProgress?: (done: number, total: number) => void }, total: number) =>
  async (done: number): Promise<void> => {
    ctx.onProgress?.(done, total);
    await yieldToEvents();
  };

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

/** Whether a method's batches run backward passes too (each item then needs about three times the memory). */
const batchesGradients = (method: MethodName): boolean => methodSpec(method).gradients && methodSpec(method).batched;

/** Batch size for a method: sized to the backend's memory budget (engine/memory.ts) unless asked. */
export function batchSizeForMethod(model: InspectableModel, inputShape: number[], method: MethodName, requested?: number): number {
  return batchSizeFor(activationBytesPerItem(model, inputShape), batchesGradients(method), requested);
}
