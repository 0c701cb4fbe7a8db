import * as tf from '@tensorflow/tfjs-core';
import { currentBackend } from '../../engine/backend';
import { batchSizeFor } from '../../engine/memory';
import { scopedJob } from '../../engine/tidy';
import { InputError } from '../../errors';
import { augmentImage } from '../../image/augment';
import type { RgbImage } from '../../image/decode';
import { scaleSigned, scaleUnsigned } from '../../image/display';
import { mapToImage, toModelInput, type PreprocessSpec } from '../../image/preprocess';
import type { InspectableModel } from '../../model/types';
import { asModelError } from '../../model/run-error';
import { activationBytesPerItem } from '../../engine/memory';
import { defaultCamLayer } from '../../model/cam-layers';
import type { Grid } from '../types';
import type { BatchSplit } from '../split';
import { mapAtInput, pairWindowGrid } from '../grid';
import { withDefaults } from '../params';
import { EmbeddingView, type Similarity } from './embedding';
import { PAIR_METHOD_TABLE } from './registry';
import { pairMethodSpec, SIMILARITIES } from './specs';
import { TRANSFORM_OPS } from './transforms';
import { pairMetrics, type PairMetrics } from './metrics';
import { DEFAULT_PAIR_PARAMS, type PairMethodName, type PairParams, type View } from './types';

export interface PairOptions {
  method: PairMethodName;
  /** The output or layer whose (pooled) value is the embedding e; default: the first output. */
  embedding?: string;
  /** Interaction-CAM's feature layer; default: the last convolution block's output (defaultCamLayer). */
  layer?: string;
  similarity?: Similarity;
  params?: Partial<PairParams>;
  preprocess: PreprocessSpec;
  /** Conditional deletion and insertion for each map (EXPLAIN.md pair metrics). */
  metrics?: boolean;
  onProgress?: (done: number, total: number) => void;
  onPartial?: (view: View, grid: Grid) => void;
  signal?: AbortSignal;
  /** Zero one window of one view (model-input pixels; size = the occlusion window) before explaining. */
  occlude?: { view: View; top: number; left: number };
  /**
   * On a pool (core/explain/split.ts): compute only this share of the method's loops (its records are
   * left in `split.records`; the maps are then meaningless, and metrics are skipped), or replay every share's values.
   */
  split?: BatchSplit;
}

export interface PairViewResult {
  /** The raw map (windows for the occlusion methods, the layer for Interaction-CAM, the input for the others). */
  grid: Grid;
  /** The map at the view image's size, display-scaled: [0, 1], or [−1, 1] when signed. */
  image: Grid;
  metrics?: PairMetrics;
}

export interface PairResult {
  method: PairMethodName;
  similarity: Similarity;
  embedding: string;
  layer?: string;
  base: number;
  signed: boolean;
  a: PairViewResult;
  b: PairViewResult;
  params: PairParams;
  details: Record<string, number>;
  timeMs: number;
  backend: string;
}

/** Explains the similarity of two views: preprocess both → the pair method → raw and display maps (+ metrics). */
export async function explainPair(model: InspectableModel, imageA: RgbImage, imageB: RgbImage, opts: PairOptions): Promise<PairResult> {
  try {
    return await scopedJob(() => explainPairUnchecked(model, imageA, imageB, opts));
  } catch (err) {
    throw asModelError(err, model.path, opts.method);
  }
}

async function explainPairUnchecked(model: InspectableModel, imageA: RgbImage, imageB: RgbImage, opts: PairOptions): Promise<PairResult> {
  const view = new EmbeddingView(model, opts.embedding);
  const inputShape = model.inputs[0].shape;
  const a = toModelInput(imageA, inputShape, opts.preprocess, model.path);
  const b = toModelInput(imageB, inputShape, opts.preprocess, model.path);
  const tensors: tf.Tensor[] = [a.tensor, b.tensor];
  try {
    if (a.tensor.shape.join() !== b.tensor.shape.join()) {
      throw new InputError(
        `The two views reach ${model.path} at different sizes (${a.tensor.shape.slice(1, 3).join('×')} and ${b.tensor.shape.slice(1, 3).join('×')}); give the model a fixed input size or images of one size.`,
      );
    }
    const spec = pairMethodSpec(opts.method);
    const layer = spec.layer ? (opts.layer ?? defaultCamLayer(model)) : undefined;
    if (layer !== undefined && !model.layers.some((l) => l.name === layer)) throw new InputError(`Layer "${layer}" does not exist in ${model.path}.`);
    const needsGradient = spec.gradients;
    const batchSize = batchSizeFor(activationBytesPerItem(model, a.tensor.shape) * spec.viewsPerItem, needsGradient, opts.params?.batchSize);
    const params: PairParams = { ...withDefaults<Omit<PairParams, 'batchSize'>>(DEFAULT_PAIR_PARAMS, opts.params), batchSize };
    let transformed: { a: tf.Tensor4D; b: tf.Tensor4D } | undefined;
    if (spec.transformed) {
      const [, h, w] = a.tensor.shape;
      const ops = TRANSFORM_OPS[params.transform](h, w);
      const ta = toModelInput(augmentImage(imageA, ops, params.seed), inputShape, opts.preprocess, model.path).tensor;
      const tb = toModelInput(augmentImage(imageB, ops, params.seed + 1), inputShape, opts.preprocess, model.path).tensor;
      tensors.push(ta, tb);
      transformed = { a: ta, b: tb };
    }
    // The views as the method sees them: with `occlude`, one window of one view zeroed.
    const occlude = (x: tf.Tensor4D, view: View): tf.Tensor4D => {
      if (opts.occlude?.view !== view) return x;
      const [, h, w] = x.shape;
      const g = pairWindowGrid(h, w, params.window, params.stride);
      const { top, left } = opts.occlude;
      const mask = new Float32Array(h * w).fill(1);
      for (let y = Math.max(0, top); y < Math.min(h, top + g.window); y++) mask.fill(0, y * w + Math.max(0, left), y * w + Math.min(w, left + g.window));
      const occluded = tf.tidy(() => tf.mul(x, tf.tensor4d(mask, [1, h, w, 1])) as tf.Tensor4D);
      tensors.push(occluded);
      return occluded;
    };
    const xa = occlude(a.tensor, 'a');
    const xb = occlude(b.tensor, 'b');
    const similarity = opts.similarity ?? SIMILARITIES[0];
    const ctx = {
      model: view,
      a: xa,
      b: xb,
      similarity,
      layer: layer ?? '',
      params,
      transformed,
      onProgress: opts.onProgress,
      // A share's partial maps are true where it has run (0 elsewhere): the pool shows the first share's.
      onPartial: opts.onPartial,
      signal: opts.signal,
      split: opts.split,
    };
    const started = performance.now();
    const r = await PAIR_METHOD_TABLE[opts.method](ctx);
    const timeMs = performance.now() - started + (opts.split?.sharesMs ?? 0);
    // The metrics' own loops are not shared: they read the finished maps.
    const metricsCtx = { ...ctx, split: undefined };
    const withMetrics = opts.metrics && !opts.split?.share;
    const [, height, width] = a.tensor.shape;
    const views: Partial<Record<View, PairViewResult>> = {};
    for (const [name, attribution, geometry, image] of [
      ['a', r.a, a.geometry, imageA],
      ['b', r.b, b.geometry, imageB],
    ] as const) {
      const source = attribution.pixelMap ?? attribution.grid;
      const resized = mapToImage(source.values, source.height, source.width, geometry);
      const display = attribution.signed ? scaleSigned(resized, 100) : scaleUnsigned(resized);
      views[name] = {
        grid: attribution.grid,
        image: { width: image.width, height: image.height, values: display },
        metrics: withMetrics ? await pairMetrics(metricsCtx, name, mapAtInput(attribution, height, width)) : undefined,
      };
    }
    return {
      method: opts.method,
      similarity,
      embedding: view.name,
      layer,
      base: r.base,
      signed: r.a.signed,
      a: views.a!,
      b: views.b!,
      params,
      details: { ...r.details, ...(r.a.details ?? {}) },
      timeMs,
      backend: currentBackend(),
    };
  } finally {
    tf.dispose(tensors);
  }
}
