import * as tf from '@tensorflow/tfjs-core';
import type { InspectableModel } from '../model/types';

/**
 * Memory guard for batched jobs. The wasm backend's heap is capped near 4 GB, and tfjs-backend-wasm
 * stops working (out-of-bounds memory access) once its pointers pass 2 GB, so batches there are
 * sized to stay well below: about 768 MB of activations per batch. Other backends get 2 GB.
 */
export function batchBudgetBytes(): number {
  return tf.getBackend() === 'wasm' ? 768 * 2 ** 20 : 2 * 2 ** 30;
}

/** Hard limit for a batch on wasm, whatever the user asked: above it the backend breaks. */
export function batchLimitBytes(): number {
  return tf.getBackend() === 'wasm' ? 1536 * 2 ** 20 : Infinity;
}

/**
 * Batch size from the bytes one item needs (activations of every layer, ×3 when gradients are
 * taken: saved activations plus their gradients): within the budget, 1..64. A requested size is
 * kept unless it passes the backend's hard limit.
 */
export function batchSizeFor(bytesPerItem: number, needsGradient: boolean, requested?: number): number {
  const perItem = Math.max(1, bytesPerItem * (needsGradient ? 3 : 1));
  if (requested !== undefined) return Math.max(1, Math.min(requested, Math.floor(batchLimitBytes() / perItem) || 1));
  return Math.max(1, Math.min(64, Math.floor(batchBudgetBytes() / perItem)));
}

/** Bytes of activations one input needs through the whole model (free dimensions taken from the input). */
export function activationBytesPerItem(model: InspectableModel, inputShape: number[]): number {
  const inputFloats = inputShape.slice(1).reduce((a, b) => a * b, 1);
  let floats = inputFloats;
  for (const l of model.layers) {
    if (l.type === 'InputLayer' || l.type === 'Placeholder') continue;
    const known = l.outputShape.slice(1);
    // A free dimension: assume the layer keeps the input's resolution (an over-estimate, the safe side).
    floats += known.some((d) => d == null) ? inputFloats * 8 : known.reduce<number>((a, b) => a * (b as number), 1);
  }
  return floats * 4;
}
