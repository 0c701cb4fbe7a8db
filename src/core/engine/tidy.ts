import * as tf from '@tensorflow/tfjs-core';

/** tf.tidy for a function returning plain values (numbers, typed arrays, objects of them): every tensor made inside is freed. */
export function tidyValue<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

type ScopedEngine = { startScope(): void; endScope(): void; trackTensor(t: tf.Tensor, backend: unknown): void };

/**
 * An async job whose result holds no tensors (maps as typed arrays), run in an engine scope: every
 * tensor it made and did not tf.keep is released when it ends, also when it throws half-way (a
 * gradient TensorFlow.js refuses mid-backprop leaves its tape's tensors behind otherwise). Jobs run
 * one at a time in a process, so the scope is the job's own.
 */
export async function scopedJob<T>(job: () => Promise<T>): Promise<T> {
  const engine = tf.engine() as unknown as ScopedEngine;
  // Every tensor the job makes, in any nested scope: a backward pass that throws half-way leaves the
  // tensors it kept for later steps outside every scope, so a failed job's tensors all go, kept or not
  // (caches that keep tensors across jobs check isDisposed and make them again).
  const made: tf.Tensor[] = [];
  const track = engine.trackTensor;
  engine.trackTensor = function (t, backend) {
    made.push(t);
    return track.call(this, t, backend);
  };
  engine.startScope();
  try {
    return await job();
  } catch (err) {
    for (const t of made) if (!t.isDisposed) t.dispose();
    throw err;
  } finally {
    engine.endScope();
    engine.trackTensor = track;
  }
}
