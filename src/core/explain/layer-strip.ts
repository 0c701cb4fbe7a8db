import * as tf from '@tensorflow/tfjs-core';
import { batchBudgetBytes } from '../engine/memory';
import { throwIfAborted } from '../errors';
import type { InspectableModel, ScoreFn } from '../model/types';
import { gradCam } from './cam/grad-cam';
import { camForLayer } from './cam/run-cam';
import { DEFAULT_PARAMS, type Grid } from './types';

/**
 * Splits the strip's layers into chunks for layerGradients: each chunk's activations, gradients and
 * the zeros added to them (×3) within an eighth of the batch budget, at most 24 layers, and the
 * first chunk a single layer so that the first thumbnail appears at once.
 */
export function stripChunks(model: InspectableModel, layers: string[]): string[][] {
  const bytes = new Map(model.layers.map((l) => [l.name, 4 * l.outputShape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1)]));
  const budget = batchBudgetBytes() / 8;
  const chunks: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const layer of layers) {
    const need = 3 * (bytes.get(layer) ?? 0);
    if (current.length > 0 && (chunks.length === 0 || current.length >= 24 || used + need > budget)) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(layer);
    used += need;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * Grad-CAM at each of `layers` (the "which layer?" strip), reported layer by layer as each map is
 * done, at the layer's own resolution. Layers go in stripChunks, each chunk from one forward and one
 * backward pass (InspectableModel.layerGradients): MobileNetV2's 150 layers cost about ten passes.
 */
export async function layerStrip(
  model: InspectableModel,
  input: tf.Tensor4D,
  layers: string[],
  score: ScoreFn,
  signal: AbortSignal | undefined,
  onLayer: (layer: string, grid: Grid, index: number) => void,
): Promise<void> {
  const ctx = { model, input, score, layers, params: { ...DEFAULT_PARAMS, batchSize: 1 }, signal };
  let done = 0;
  for (const chunk of stripChunks(model, layers)) {
    throwIfAborted(signal);
    const pairs = model.layerGradients(input, chunk, score);
    let j = 0;
    try {
      for (; j < chunk.length; j++) {
        const map = await camForLayer(gradCam, ctx, chunk[j], pairs[j]); // disposes pairs[j]
        const values = map.dataSync() as Float32Array;
        const [height, width] = map.shape;
        map.dispose();
        onLayer(chunk[j], { width, height, values }, done++);
      }
    } finally {
      for (const p of pairs.slice(j + 1)) tf.dispose([p.activation, p.gradient]);
    }
    await new Promise((r) => setImmediate(r));
  }
}
