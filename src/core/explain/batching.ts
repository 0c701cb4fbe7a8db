import * as tf from '@tensorflow/tfjs-core';
import { activationBytesPerItem, batchSizeFor } from '../engine/memory';
import { throwIfAborted } from '../errors';
import type { InspectableModel } from '../model/types';
import { methodSpec, type MethodName } from './specs';
import type { ExplainContext } from './types';
import { shareRange, type BatchSplit, type SplitRecord } from './split';

export type { BatchSplit, SplitRecord } from './split';

/** Lets pending messages (a cancel) in between batches. */
export const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Batches aim at about this long: progress moves and a cancel is honoured well within a second, and
 * the batches are large enough to run efficiently — on wasm a MobileNetV2 gradient item cost about
 * 1.75× as much in the batches of two a 250 ms target gave as in batches of ten (IG-50 in 10 s; 6.9 s
 * at this target, 5.7 s at one second, which would let a cancel wait a second).
 */
export const BATCH_TARGET_MS = 500;

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

/** The records of the loop being replayed, one per share; the loop's kind is checked. */
function replayed<K extends SplitRecord['kind']>(split: BatchSplit, kind: K): Extract<SplitRecord, { kind: K }>[] {
  const loop = split.loops ?? 0;
  split.loops = loop + 1;
  return split.replay!.map((records, k) => {
    const r = records[loop];
    if (r?.kind !== kind) throw new Error(`split replay: share ${k} has no ${kind} record for loop ${loop}`);
    return r as Extract<SplitRecord, { kind: K }>;
  });
}

/** What batching needs of a context: a batch size, an abort signal and a progress callback (and, on a pool, the split). */
export interface BatchOptions {
  params: { batchSize: number };
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  split?: BatchSplit;
}

/**
 * Runs `total` items through `run` in batches of at most ctx.params.batchSize, sized by the clock
 * (BatchSizer), checking the abort signal and reporting progress between batches. `run(start, count)`
 * returns `per` numbers per item (item-major); `onBatch` sees the values so far (items not yet run are 0).
 */
export async function mapBatched(
  ctx: BatchOptions,
  total: number,
  run: (start: number, count: number) => Float32Array | number[] | Promise<Float32Array | number[]>,
  onBatch?: (values: Float32Array, done: number) => void,
  per = 1,
): Promise<Float32Array> {
  const out = new Float32Array(total * per);
  const split = ctx.split;
  if (split?.replay) {
    for (const r of replayed(split, 'map')) out.set(r.values, r.from * per);
    onBatch?.(out, total);
    ctx.onProgress?.(total, total);
    return out;
  }
  const [from, to] = split?.share ? shareRange(total, split.share) : [0, total];
  const sizer = new BatchSizer(Math.max(1, Math.floor(ctx.params.batchSize)));
  for (let start = from; start < to;) {
    throwIfAborted(ctx.signal);
    const count = sizer.next(to - start);
    const t0 = performance.now();
    out.set(await run(start, count), start * per);
    sizer.record(count, performance.now() - t0);
    start += count;
    onBatch?.(out, start);
    ctx.onProgress?.(start - from, to - from);
    await yieldToEvents();
  }
  throwIfAborted(ctx.signal);
  if (split?.share) (split.records ??= []).push({ kind: 'map', from, values: out.slice(from * per, to * per) });
  return out;
}

/**
 * Adds up, over `total` items in batches of at most `batchSize` (sized by the clock, BatchSizer), what `run(start, count)` gives for
 * each batch — a tensor of the same shape every time, such as a batch's gradients summed over the
 * batch axis. Checks the abort signal before each batch and calls `after(done, count)` after it
 * (progress, yielding). Returns the sum; the caller owns it. Tensors of failed runs are released.
 */
export async function sumBatched(
  opts: { batchSize: number; signal?: AbortSignal; split?: BatchSplit },
  total: number,
  zeros: () => tf.Tensor,
  run: (start: number, count: number) => tf.Tensor,
  after: (done: number, count: number, total: number) => Promise<void> | void,
): Promise<tf.Tensor> {
  const split = opts.split;
  if (split?.replay) {
    // The shares' partial sums, added in share order.
    const records = replayed(split, 'sum');
    const sum = tf.tidy(() => records.map((r) => tf.tensor(r.values, r.shape)).reduce((a, b) => tf.add(a, b)));
    await after(total, total, total);
    return sum;
  }
  const [from, to] = split?.share ? shareRange(total, split.share) : [0, total];
  const sizer = new BatchSizer(Math.max(1, Math.floor(opts.batchSize)));
  let sum = zeros();
  try {
    for (let start = from; start < to;) {
      throwIfAborted(opts.signal);
      const count = sizer.next(to - start);
      const t0 = performance.now();
      const next = tf.tidy(() => tf.add(sum, run(start, count)));
      // The cpu, wasm and native backends compute eagerly: the batch's work is done here.
      sum.dispose();
      sum = next;
      sizer.record(count, performance.now() - t0);
      start += count;
      await after(start - from, count, to - from);
    }
    throwIfAborted(opts.signal);
    if (split?.share) (split.records ??= []).push({ kind: 'sum', shape: sum.shape, values: sum.dataSync().slice() as Float32Array });
    return sum;
  } catch (err) {
    sum.dispose();
    throw err;
  }
}

/** `after` for sumBatched: progress to the context (of the share's items on a pool) and a chance for a cancel to arrive. */
export const reportBatch =
  (ctx: { onProgress?: (done: number, total: number) => void }, total: number) =>
  async (done: number, _count?: number, of = total): Promise<void> => {
    ctx.onProgress?.(done, of);
    await yieldToEvents();
  };

/** Scores of a batch of inputs through the whole model. */
export function scoreBatch(ctx: ExplainContext, batch: tf.Tensor4D): Float32Array {
  return tf.tidy(() => {
    const { outputs } = ctx.model.forward(batch);
    return ctx.score(outputs).dataSync() as Float32Array;
  });
}

/** The same through the context's forward engine when it has one (engine/forward-engine.ts). */
export async function scoreBatchForward(ctx: ExplainContext, batch: tf.Tensor4D): Promise<Float32Array> {
  if (!ctx.forward) return scoreBatch(ctx, batch);
  const outputs = await ctx.forward.run(batch);
  try {
    return tf.tidy(() => ctx.score(outputs).dataSync() as Float32Array);
  } finally {
    tf.dispose(outputs);
  }
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
