import * as tf from '@tensorflow/tfjs-core';
import { withDefaults } from './params';
import { currentBackend } from '../engine/backend';
import type { ForwardEngine } from '../engine/forward-engine';
import { scopedJob, tidyValue } from '../engine/tidy';
import { InputError } from '../errors';
import { defaultCamLayer } from '../model/cam-layers';
import { batchSizeForMethod, type BatchSplit } from './batching';
import type { RgbImage } from '../image/decode';
import { scaleSigned, scaleUnsigned } from '../image/display';
import { inputPicture, mapToImage, pixelBounds, toModelInput, type InputGeometry, type PreprocessSpec, type RgbaPicture } from '../image/preprocess';
import { asModelError } from '../model/run-error';
import type { InspectableModel } from '../model/types';
import { METHOD_TABLE } from './registry';
import { methodSpec } from './specs';
import { probabilities, scoreKind, type ScoreKind } from './scores';
import { checkUnit, resolveOutput, unitScore } from './target';
import { DEFAULT_PARAMS, type Grid, type MethodName, type MethodParams, type Progress } from './types';

export interface ExplainOptions {
  method: MethodName;
  /** CAM layers; default: the last convolution block's output (defaultCamLayer). */
  layers?: string[];
  /** 'top' (default) or a unit index of the chosen output. */
  target?: 'top' | number;
  /** Output name or index (multi-output models). */
  output?: string | number;
  params?: Partial<MethodParams>;
  preprocess: PreprocessSpec;
  /** The preprocessing the model expects, the frame the model-input picture is drawn in (default: `preprocess`). */
  expected?: PreprocessSpec;
  labels?: string[];
  topK?: number;
  /** Percentile of |v| at which gradient maps are clipped for display (EXPLAIN.md: 99). */
  clipPercentile?: number;
  onProgress?: Progress;
  signal?: AbortSignal;
  /** On a pool: this worker's share of a batched method's loops, or the shares' values to finish with (batching.ts). */
  split?: BatchSplit;
  /** Runs the forward-only passes of occlusion (engine/forward-engine.ts); default: TensorFlow.js. */
  forward?: ForwardEngine;
}

export interface Prediction {
  index: number;
  /** The output's value for the unit (after the model's softmax, which is read as logits and applied here). */
  score: number;
  /** The unit's probability (scores.ts): the score, exp(score), or the softmax (sigmoid) of logits. */
  probability: number;
  label?: string;
}

export interface ExplainResult {
  method: MethodName;
  layers: string[];
  output: string;
  target: number;
  /** What the scores are: probabilities, log-probabilities or logits. */
  scoreKind: ScoreKind;
  /** Units of the explained output. */
  units: number;
  top: Prediction[];
  /** The raw map (EXPLAIN.md: layer resolution for CAMs, input resolution for gradients, windows for occlusion). */
  grid: Grid;
  /** The map at the original image's size, display-scaled: [0,1], or [-1,1] when signed. */
  image: Grid;
  /** The raw map at the original image's size, before display scaling (compare's map metrics). */
  raw: Float32Array;
  signed: boolean;
  details: Record<string, number>;
  params: MethodParams;
  geometry: InputGeometry;
  /** The preprocessed input as the model sees it (display-scaled RGBA). */
  modelInput: RgbaPicture;
  /** What preprocessing did that a user should know (preprocess.ts inputNotes). */
  notes: string[];
  timeMs: number;
  backend: string;
}

function topK(values: Float32Array, probability: Float64Array, k: number, labels?: string[]): Prediction[] {
  return Array.from(values, (score, index) => ({ index, score, probability: probability[index] }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((p) => (labels?.[p.index] !== undefined ? { ...p, label: labels[p.index] } : p));
}

/** Explains one image: preprocess → predict → method → raw grid and the display map at the image's size. */
export async function explainImage(model: InspectableModel, image: RgbImage, opts: ExplainOptions): Promise<ExplainResult> {
  try {
    return await scopedJob(() => explainUnchecked(model, image, opts));
  } catch (err) {
    throw asModelError(err, model.path, opts.method);
  }
}

async function explainUnchecked(model: InspectableModel, image: RgbImage, opts: ExplainOptions): Promise<ExplainResult> {
  const spec = model.inputs[0];
  const { tensor: input, geometry, notes } = toModelInput(image, spec.shape, opts.preprocess, model.path);
  try {
    const outputIndex = resolveOutput(model, opts.output);
    const probs = tidyValue(() => {
      const { outputs } = model.forward(input);
      const o = outputs[outputIndex];
      const flat = tf.reshape(o, [1, -1]);
      return (model.softmaxOutputs[outputIndex] ? tf.softmax(flat) : flat).dataSync() as Float32Array;
    });
    if (!probs.every(Number.isFinite)) {
      const why = model.warnings.find((w) => /NaN or infinite/.test(w));
      throw new InputError(
        `${model.path}: output "${model.outputs[outputIndex].name}" is not finite (NaN or infinite) for this image, so there is nothing to explain${why ? ` (${why.split(';')[0]})` : ''}`,
      );
    }
    const kind = scoreKind(model.outputEnds[outputIndex] ?? 'other', probs);
    const top = topK(probs, probabilities(kind, probs), opts.topK ?? 5, opts.labels);
    const target = opts.target === undefined || opts.target === 'top' ? top[0].index : opts.target;
    checkUnit(model, outputIndex, target, probs.length);
    const layers = methodSpec(opts.method).family === 'cam' ? (opts.layers?.length ? opts.layers : [defaultCamLayer(model)]) : [];
    for (const l of layers) {
      if (!model.layers.some((x) => x.name === l)) throw new InputError(`Layer "${l}" does not exist in ${model.path}.`);
    }
    const params: MethodParams = {
      ...withDefaults(DEFAULT_PARAMS, opts.params),
      batchSize: batchSizeForMethod(model, input.shape, opts.method, opts.params?.batchSize),
    };
    const started = performance.now();
    const attribution = await METHOD_TABLE[opts.method]({
      model,
      input,
      score: unitScore(outputIndex, target),
      layers,
      params,
      onProgress: opts.onProgress,
      signal: opts.signal,
      split: opts.split,
      forward: opts.forward,
      inputBounds: pixelBounds(opts.preprocess, input.shape[3]),
    });
    // A split run's time: its longest share's and the replay's (the shares run at once).
    const timeMs = performance.now() - started + (opts.split?.sharesMs ?? 0);
    const source = attribution.pixelMap ?? attribution.grid;
    const resized = mapToImage(source.values, source.height, source.width, geometry);
    const clip = opts.clipPercentile ?? methodSpec(opts.method).clipPercentile;
    const display = attribution.signed ? scaleSigned(resized, clip ?? 100) : scaleUnsigned(resized, clip);
    return {
      method: opts.method,
      layers,
      output: model.outputs[outputIndex].name,
      target,
      scoreKind: kind,
      units: probs.length,
      top,
      grid: attribution.grid,
      image: { width: image.width, height: image.height, values: display },
      raw: resized,
      signed: attribution.signed,
      details: attribution.details ?? {},
      params,
      geometry,
      modelInput: inputPicture(input, opts.preprocess, opts.expected),
      notes,
      timeMs,
      backend: currentBackend(),
    };
  } finally {
    input.dispose();
  }
}
