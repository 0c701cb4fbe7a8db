/**
 * `model-lens evaluate` from files: for every image (a file, or a folder as compare reads one) and every
 * method, the map of the top class, then deletion and insertion AUC with the random-order baseline
 * (deletion.ts), and with a boxes file the pointing game and the energy pointing game beside what a
 * random map scores (the box's share of the image). The score is the target's probability (the softmax of
 * logits, the sigmoid of a single logit…, scores.ts) — or the raw output when the model has one logit
 * unit that is not a probability. Means per method over the images.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { rankCorrelation } from '../distill/compare-metrics';
import { explainImage, type ExplainResult } from '../explain/explain-image';
import { activationBytesPerItem, batchSizeFor } from '../engine/memory';
import { readImage, type RgbImage } from '../image/decode';
import { listImages } from '../image/image-list';
import { resizeMap, toModelInput, type PreprocessSpec } from '../image/preprocess';
import { loadModel } from '../model/load';
import { resolveModelSettings, resolvePreprocess } from '../model/model-config';
import { LayersInspectableModel } from '../model/layers-model';
import type { InspectableModel } from '../model/types';
import { parseBoxes } from './boxes';
import { deletionInsertion } from './deletion';
import { energyInBox, pointingGameHit, type Box } from './pointing-game';
import type { EvaluatedImages, EvaluateJob, EvaluateResult, MethodMeans, MethodMetrics, SanityStep } from './types';

export type { EvaluatedImages, EvaluateJob, EvaluateResult, MethodMeans, MethodMetrics, SanityStep } from './types';

export interface EvaluateOptions extends EvaluateJob {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The target's probability per row ((outputs) → [B]): softmax over the logits of a softmax output or logits, the value itself for probabilities. */
export function probabilityScore(model: InspectableModel, kind: 'probability' | 'log-probability' | 'logit', units: number, target: number) {
  return (outputs: tf.Tensor[]): tf.Tensor1D =>
    tf.tidy(() => {
      const o = tf.reshape(outputs[0], [outputs[0].shape[0], -1]);
      let p: tf.Tensor;
      if (model.softmaxOutputs[0] || (kind === 'logit' && units > 1)) p = tf.softmax(o);
      else if (kind === 'log-probability') p = tf.exp(o);
      else p = o;
      return tf.reshape(tf.slice(p, [0, target], [-1, 1]), [-1]) as tf.Tensor1D;
    });
}

const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * The records of the images at `pick` (indices into the listing of `o.target`; default: every image),
 * in that order — a worker's piece of a folder, or the whole of it.
 */
export async function evaluateImages(o: EvaluateOptions, pick?: number[]): Promise<EvaluatedImages> {
  if (o.methods.length === 0) throw new InputError('evaluate needs at least one --method');
  const all = listImages(o.target);
  const listed = pick ? pick.map((i) => all[i]) : all;
  const boxes = o.boxesFile !== undefined ? parseBoxes(readText(o.boxesFile), o.boxesFile) : undefined;
  const model = await loadModel(o.model);
  if (model.outputs.length !== 1) throw new InputError(`${o.model}: evaluate scores models with one output (this one has ${model.outputs.length})`);
  const settings = resolveModelSettings(model.path);
  const preprocess = resolvePreprocess(model, settings).spec;
  const spec = model.inputs[0].shape;
  const images: EvaluateResult['images'] = [];
  let scoreKind: EvaluateResult['score'] = 'probability';
  const total = listed.length * o.methods.length;
  for (const [i, f] of listed.entries()) {
    const image = await readImage(f.file, { input: { height: spec[1] ?? null, width: spec[2] ?? null } });
    const box = boxes?.get(f.name) ?? boxes?.get(f.file);
    const { tensor: x } = toModelInput(image, spec, preprocess, model.path);
    try {
      const methods: MethodMetrics[] = [];
      let target = -1;
      for (const [k, method] of o.methods.entries()) {
        const r = await explainImage(model, image, { method, preprocess, labels: settings.labels, signal: o.signal, target: target < 0 ? 'top' : target });
        target = r.target;
        if (r.units === 1 && r.scoreKind === 'logit') scoreKind = 'output';
        const {
          deletion: _d,
          insertion: _i,
          ...m
        } = await metricsOf(model, image, x as tf.Tensor4D, r, { box, sanity: o.sanity, preprocess, labels: settings.labels, signal: o.signal });
        methods.push(m);
        o.onProgress?.(i * o.methods.length + k + 1, total);
      }
      images.push({ image: f.name, target, methods });
    } finally {
      x.dispose();
    }
  }
  return { score: scoreKind, images };
}

/** The result of an evaluation from its images' records (pieces joined in listing order): the means per method. */
export function evaluateResult(o: Pick<EvaluateOptions, 'model' | 'methods' | 'sanity'>, pieces: EvaluatedImages[]): EvaluateResult {
  const images = pieces.flatMap((p) => p.images);
  const means: Record<string, MethodMeans> = {};
  for (const method of o.methods) {
    const rows = images.map((im) => im.methods.find((m) => m.method === method)!);
    const boxed = rows.filter((r) => r.pointing !== null);
    means[method] = {
      deletionAuc: meanOf(rows.map((r) => r.deletionAuc)),
      insertionAuc: meanOf(rows.map((r) => r.insertionAuc)),
      pointing: boxed.length ? meanOf(boxed.map((r) => (r.pointing ? 1 : 0))) : null,
      energyPointing: boxed.length ? meanOf(boxed.map((r) => r.energyPointing!)) : null,
      randomDeletionAuc: meanOf(rows.map((r) => r.randomDeletionAuc)),
      randomInsertionAuc: meanOf(rows.map((r) => r.randomInsertionAuc)),
      randomPointing: boxed.length ? meanOf(boxed.map((r) => r.randomPointing!)) : null,
      ...(o.sanity
        ? {
            sanity: rows[0].sanity!.map((step, k) => {
              const values = rows.map((r) => r.sanity![k].rankCorrelation).filter((v): v is number => v !== null);
              return { layer: step.layer, rankCorrelation: values.length ? meanOf(values) : null };
            }),
          }
        : {}),
    };
  }
  return { model: o.model, score: pieces.some((p) => p.score === 'output') ? 'output' : 'probability', images, means };
}

export async function runEvaluate(o: EvaluateOptions): Promise<EvaluateResult> {
  return evaluateResult(o, [await evaluateImages(o)]);
}

/** Every metric of one explained image (`r`, of the model input `x`), with the deletion and insertion curves. */
export async function metricsOf(
  model: InspectableModel,
  image: RgbImage,
  x: tf.Tensor4D,
  r: ExplainResult,
  o: { box?: Box; sanity?: boolean; preprocess: PreprocessSpec; labels?: string[]; signal?: AbortSignal },
): Promise<MethodMetrics & { deletion: number[]; insertion: number[] }> {
  const [, h, w] = x.shape;
  const map = resizeMap(r.grid.values, r.grid.height, r.grid.width, h, w);
  const batch = { params: { batchSize: batchSizeFor(activationBytesPerItem(model, x.shape), false) }, signal: o.signal };
  const score =
    r.units === 1 && r.scoreKind === 'logit'
      ? (outs: tf.Tensor[]) => tf.tidy(() => tf.reshape(outs[0], [-1]) as tf.Tensor1D)
      : probabilityScore(model, r.scoreKind, r.units, r.target);
  const d = await deletionInsertion(model, x, map, score, batch);
  const box = o.box;
  return {
    method: r.method,
    deletionAuc: d.deletionAuc,
    insertionAuc: d.insertionAuc,
    pointing: box ? pointingGameHit(r.raw, image.width, box) : null,
    energyPointing: box ? energyInBox(r.raw, image.width, box) : null,
    randomDeletionAuc: d.randomDeletionAuc,
    randomInsertionAuc: d.randomInsertionAuc,
    randomPointing: box ? (box.width * box.height) / (image.width * image.height) : null,
    ...(o.sanity ? { sanity: await cascadingRandomisation(model, image, r, o.preprocess, o.labels, o.signal) } : {}),
    deletion: d.deletion,
    insertion: d.insertion,
  };
}

/**
 * The sanity check of Adebayo et al. (2018, "Sanity checks for saliency maps"): the model's layers with
 * weights are randomised one by one from the output down (cumulatively, each seeded), and after each the
 * map of the same image, class and layers is compared with the original by Spearman's rank correlation —
 * of |map| for signed methods, as in the paper. A map that explains the model falls towards 0; one that does
 * not change (an edge detector) is not explaining the model.
 */
export async function cascadingRandomisation(
  model: InspectableModel,
  image: RgbImage,
  original: ExplainResult,
  preprocess: PreprocessSpec,
  labels: string[] | undefined,
  signal?: AbortSignal,
): Promise<SanityStep[]> {
  if (!(model instanceof LayersInspectableModel)) {
    throw new InputError(`${model.path}: the sanity check randomises the weights of TF.js layers and Keras models, not ${model.format} models`);
  }
  const values = (v: Float32Array) => (original.signed ? v.map(Math.abs) : v);
  const reference = values(original.grid.values);
  const copy = await model.copy();
  try {
    const out: SanityStep[] = [];
    for (const [i, layer] of copy.trainableLayers().reverse().entries()) {
      copy.randomiseLayer(layer, i + 1);
      const r = await explainImage(copy, image, { method: original.method, target: original.target, layers: original.layers, preprocess, labels, signal });
      out.push({ layer, rankCorrelation: rankCorrelation(reference, values(r.grid.values)) });
    }
    return out;
  } finally {
    copy.dispose();
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
