import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../../errors';
import { mapBatched, yieldToEvents, type BatchOptions } from '../batching';
import { similarity } from './embedding';
import type { PairContext } from './types';

/** e(x) of a batch, [B, D]. */
export function embed(ctx: PairContext, x: tf.Tensor4D): tf.Tensor2D {
  return ctx.model.embed(x);
}

/** The base similarity b = sim(e(x₁), e(x₂)). */
export function baseSimilarity(ctx: PairContext): number {
  return tf.tidy(() => similarity(embed(ctx, ctx.a), embed(ctx, ctx.b), ctx.similarity).dataSync()[0]);
}

/** Counts passes over both views (and several runs) for one progress bar; checks the abort signal and yields between steps. */
export class PairProgress {
  private done = 0;
  constructor(
    private readonly ctx: PairContext,
    private readonly total: number,
  ) {}

  async step(count: number): Promise<void> {
    this.done += count;
    this.ctx.onProgress?.(this.done, this.total);
    await yieldToEvents();
    throwIfAborted(this.ctx.signal);
  }

  /** Batching options whose progress continues this counter (engine/batching's mapBatched). */
  batches(): BatchOptions {
    const base = this.done;
    const onProgress = (done: number) => {
      this.done = base + done;
      this.ctx.onProgress?.(this.done, this.total);
    };
    return { params: this.ctx.params, signal: this.ctx.signal, onProgress, split: this.ctx.split };
  }
}

/** `total` items through `run(start, count)` in batches (`per` values each), progress continuing `progress`; `onBatch` sees the values so far. */
export function batched(
  progress: PairProgress,
  total: number,
  run: (start: number, count: number) => Float32Array,
  onBatch?: (values: Float32Array, done: number) => void,
  per = 1,
): Promise<Float32Array> {
  return mapBatched(progress.batches(), total, run, onBatch, per);
}
