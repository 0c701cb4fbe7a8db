import * as path from 'node:path';
import { readRegularFile } from '../core/io/files';
import * as tf from '@tensorflow/tfjs-core';
import { batchSizeForMethod } from '../core/explain/batching';
import { estimatePasses, estimateSeconds } from '../core/explain/estimate';
import { explainImage } from '../core/explain/explain-image';
import { explainProvenance, pairProvenance } from '../core/explain/provenance';
import { camLayers, defaultCamLayer } from '../core/model/cam-layers';
import { layerStrip } from '../core/explain/layer-strip';
import { unitScore, resolveOutput } from '../core/explain/target';
import { isMethod } from '../core/explain/types';
import { methodSpec, type MethodName } from '../core/explain/specs';
import { InputError, throwIfAborted } from '../core/errors';
import { tidyValue } from '../core/engine/tidy';
import { injectTrapIfAsked } from '../core/engine/fault';
import { inputFit, readImage, type RgbImage } from '../core/image/decode';
import { scaleUnsigned } from '../core/image/display';
import { imageInputShape, toModelInput, type PreprocessSpec } from '../core/image/preprocess';
import { loadModel } from '../core/model/load';
import { modelScalingNote, resolveModelSettings, resolvePreprocess, type ResolvedModelSettings, type ResolvedPreprocess } from '../core/model/model-config';
import type { InspectableModel } from '../core/model/types';
import { sha256File } from '../core/model/sha256';
import { summarize } from '../core/model/summary';
import { renderExport } from '../core/image/export';
import { encodePng } from '../core/image/overlay';
import { limits } from '../core/limits';
import { compareOverlay } from '../core/distill/compare';
import { compareImagesOf, runCompare } from '../core/distill/compare-run';
import { knowledgePlan, runKnowledge } from '../core/distill/knowledge-run';
import type { KnowledgePlan, KnowledgePointsJob } from '../core/distill/knowledge-types';
import { runSpray } from '../core/spray/spray-run';
import { metricsOf } from '../core/metrics/evaluate-run';
import { parseBoxes } from '../core/metrics/boxes';
import { distillChain, TRAINER_TERMS, type TrainerTerm } from '../core/distill/trainer';
import type {
  DistillEpochMessage,
  DistillJob,
  DistillResultMessage,
  CompareJob,
  CompareResultMessage,
  KnowledgeJob,
  KnowledgeResultMessage,
  EstimateMessage,
  ExportJob,
  ExplainJob,
  ExplainResultMessage,
  LayerPreviewMessage,
  ModelSummaryMessage,
  PairJob,
  PairPartialMessage,
  PairResultMessage,
  SprayJob,
  SprayResultMessage,
  MetricsJob,
  MetricsMessage,
  CallParams,
  CallResult,
} from '../protocol/worker';
import { explainPair } from '../core/explain/pair/explain-pair';
import { isPairMethod } from '../core/explain/pair/types';
import { augmentImage, parseAugment } from '../core/image/augment';

export type ProgressFn = (done: number, total: number) => void;

export async function summaryJob(modelPath: string): Promise<ModelSummaryMessage> {
  const model = await loadModel(modelPath);
  const settings = resolveModelSettings(model.path);
  const layers = camLayers(model);
  return {
    ...summarize(model),
    labels: settings.labels,
    preprocess: resolvePreprocess(model, settings),
    camLayers: layers,
    defaultLayer: layers.length ? defaultCamLayer(model) : undefined,
    backend: tf.getBackend(),
  };
}

function rgba(img: RgbImage): { width: number; height: number; rgba: Uint8ClampedArray } {
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    out[p * 4] = img.data[p * 3];
    out[p * 4 + 1] = img.data[p * 3 + 1];
    out[p * 4 + 2] = img.data[p * 3 + 2];
    out[p * 4 + 3] = 255;
  }
  return { width: img.width, height: img.height, rgba: out };
}

/** The panel's preprocessing settings over the model's (modellens.json, its own scaling, the defaults). */
function panelPreprocess(model: InspectableModel, settings: ResolvedModelSettings, panel: Partial<PreprocessSpec> | undefined): ResolvedPreprocess {
  return resolvePreprocess(model, settings, panel && Object.keys(panel).length ? [{ source: 'panel', values: panel }] : []);
}

/** What explainImage takes from a panel's job (the explanation and its metrics read it alike). */
function jobExplainOptions(job: ExplainJob, method: MethodName, settings: ResolvedModelSettings, preprocess: PreprocessSpec, signal: AbortSignal) {
  return {
    method,
    layers: job.layers,
    target: job.target,
    output: job.output ?? settings.output,
    params: job.params,
    preprocess,
    labels: settings.labels,
    signal,
  };
}

export async function explainJob(job: ExplainJob, signal: AbortSignal, onProgress: ProgressFn): Promise<ExplainResultMessage> {
  if (!isMethod(job.method)) throw new InputError(`Unknown method "${job.method}".`);
  const model = await loadModel(job.modelPath);
  const settings = resolveModelSettings(model.path);
  const resolved = panelPreprocess(model, settings, job.preprocess);
  const preprocess = resolved.spec;
  const image = await readImage(job.imagePath, { input: inputFit(model.inputs[0].shape) });
  throwIfAborted(signal);
  injectTrapIfAsked(job.imagePath);
  const r = await explainImage(model, image, {
    ...jobExplainOptions(job, job.method, settings, preprocess, signal),
    expected: resolvePreprocess(model, settings).spec,
    topK: job.topK ?? 5,
    onProgress,
    split: job.split,
  });
  return {
    ...(job.split?.share ? { split: job.split.records ?? [] } : {}),
    method: r.method,
    layers: r.layers,
    output: r.output,
    target: r.target,
    preprocess: resolved,
    notes: [...(resolved.modelScaling ? [modelScalingNote(resolved.modelScaling)] : []), ...r.notes],
    scoreKind: r.scoreKind,
    units: r.units,
    top: r.top,
    grid: r.grid,
    image: r.image,
    signed: r.signed,
    details: r.details,
    params: explainProvenance(r, job.imagePath, { model, sha256: sha256File(model.path) }, preprocess),
    picture: rgba(image),
    modelInput: r.modelInput,
    timeMs: r.timeMs,
    backend: r.backend,
  };
}

/** Export PNG: the same picture as the CLI's --out (core/image/export.ts), from the image decoded as the explain job decoded it. */
export async function exportPngJob(job: ExportJob): Promise<Uint8Array> {
  const model = await loadModel(job.modelPath);
  const image = await readImage(job.imagePath, { input: inputFit(model.inputs[0].shape) });
  if (job.map.width !== image.width || job.map.height !== image.height)
    throw new InputError(
      `${job.imagePath}: the map (${job.map.width}×${job.map.height}) is not at the image's size (${image.width}×${image.height}); explain it again`,
    );
  const png = encodePng(
    renderExport(image, job.map.values, {
      colormap: job.colormap,
      opacity: job.opacity,
      signed: job.signed,
      size: job.size,
      cap: limits().outSize,
      colorbar: job.colorbar,
    }),
  );
  // A copy with its own buffer: the reply transfers it (a pooled Buffer's memory is shared).
  return Uint8Array.from(png);
}

const forwardMs = new Map<string, number>();

/** The passes an explain job would make and the time they would take (one timed forward pass per model and backend). */
export async function estimateJob(job: ExplainJob): Promise<EstimateMessage> {
  if (!isMethod(job.method)) throw new InputError(`Unknown method "${job.method}".`);
  const model = await loadModel(job.modelPath);
  const { height, width, channels } = imageInputShape(model.inputs[0].shape, model.path);
  const h = height ?? 224;
  const w = width ?? 224;
  const e = estimatePasses(model, job.method, job.params ?? {}, h, w, job.layers?.[0]);
  // Per item at the batch size the job will reach (batches are much cheaper per item than one image alone).
  const n = Math.max(1, Math.min(16, batchSizeForMethod(model, [1, h, w, channels], job.method, job.params?.batchSize)));
  const key = `${model.path}\n${tf.getBackend()}\n${h}×${w}\n${n}`;
  let ms = forwardMs.get(key);
  if (ms === undefined) {
    ms = tidyValue(() => {
      const x = tf.zeros([n, h, w, channels]);
      model.forward(x).outputs.forEach((o) => o.dataSync()); // warm-up: kernels compiled, weights uploaded
      const t0 = performance.now();
      model.forward(x).outputs.forEach((o) => o.dataSync());
      return (performance.now() - t0) / n;
    });
    forwardMs.set(key, ms);
  }
  return { ...e, msPerPass: ms, seconds: estimateSeconds(e, ms) };
}

/** Grad-CAM at every 4-D layer (or the ones asked), one partial result per layer as it is done. */
export async function layerPreviewJob(
  job: ExplainJob,
  signal: AbortSignal,
  onPartial: (p: LayerPreviewMessage) => void,
  onProgress: ProgressFn,
): Promise<number> {
  const model = await loadModel(job.modelPath);
  const settings = resolveModelSettings(model.path);
  const preprocess = panelPreprocess(model, settings, job.preprocess).spec;
  const image = await readImage(job.imagePath, { input: inputFit(model.inputs[0].shape) });
  const layers = job.layers?.length ? job.layers : camLayers(model);
  if (layers.length === 0) defaultCamLayer(model); // throws the one-sentence error
  const { tensor: input } = toModelInput(image, model.inputs[0].shape, preprocess, model.path);
  try {
    const output = resolveOutput(model, job.output ?? settings.output);
    const target =
      job.target === undefined || job.target === 'top'
        ? tidyValue(() => tf.argMax(tf.reshape(model.forward(input).outputs[output], [1, -1]), 1).dataSync()[0])
        : job.target;
    await layerStrip(model, input, layers, unitScore(output, target), signal, (layer, grid, index) => {
      onPartial({ layer, grid: { ...grid, values: scaleUnsigned(grid.values) }, index, total: layers.length });
      onProgress(index + 1, layers.length);
    });
    return layers.length;
  } finally {
    input.dispose();
  }
}

/** Explains the similarity of two views (the pair panel); partial maps stream while occlusion methods run. */
export async function pairJob(
  job: PairJob,
  signal: AbortSignal,
  onPartial: (p: PairPartialMessage) => void,
  onProgress: ProgressFn,
): Promise<PairResultMessage> {
  if (!isPairMethod(job.method)) throw new InputError(`Unknown pair method "${job.method}".`);
  if (!job.imageB && !job.augment) throw new InputError('The pair job needs a second image or an augmentation.');
  const model = await loadModel(job.modelPath);
  const settings = resolveModelSettings(model.path);
  const pairPre = job.preprocess ?? resolvePreprocess(model, settings).spec;
  const imageA = await readImage(job.imageA, { input: inputFit(model.inputs[0].shape) });
  const seed = job.params?.seed ?? 0;
  const imageB = job.imageB ? await readImage(job.imageB, { input: inputFit(model.inputs[0].shape) }) : augmentImage(imageA, parseAugment(job.augment!), seed);
  throwIfAborted(signal);
  const r = await explainPair(model, imageA, imageB, {
    method: job.method,
    embedding: job.embedding ?? (typeof settings.output === 'string' ? settings.output : undefined),
    layer: job.layer,
    similarity: job.similarity,
    params: job.params,
    preprocess: pairPre,
    metrics: job.metrics,
    occlude: job.occlude,
    signal,
    onProgress,
    onPartial: (view, grid) => onPartial({ view, grid: { ...grid, values: Float32Array.from(grid.values) } }),
    split: job.split,
  });
  const size = imageInputShape(model.inputs[0].shape, model.path);
  const viewMessage = (v: typeof r.a, img: RgbImage) => ({ grid: v.grid, image: v.image, picture: rgba(img), metrics: v.metrics });
  return {
    method: r.method,
    similarity: r.similarity,
    embedding: r.embedding,
    layer: r.layer,
    base: r.base,
    signed: r.signed,
    a: viewMessage(r.a, imageA),
    b: viewMessage(r.b, imageB),
    inputSize: { width: size.width ?? imageA.width, height: size.height ?? imageA.height },
    params: pairProvenance(
      r,
      { imageA: job.imageA, imageB: job.imageB ?? null, augment: job.augment ?? null },
      { model, sha256: sha256File(model.path) },
      pairPre,
    ),
    timeMs: r.timeMs,
    backend: r.backend,
    ...(job.split?.share ? { split: job.split.records ?? [] } : {}),
  };
}

/** Compare models (the compare panel): the `compare` numbers, and with `overlays` each model's overlay of the image. */
export async function compareJob(job: CompareJob, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<CompareResultMessage> {
  if (!isMethod(job.method)) throw new InputError(`Unknown method "${job.method}".`);
  let overlays: CompareResultMessage['overlays'];
  const { result, images } = await runCompare({
    models: job.models,
    target: job.target,
    method: job.method,
    layers: job.layers,
    labelsFile: job.labelsFile,
    boxesFile: job.boxesFile,
    signal,
    onProgress,
    onImage: (img, results) => {
      if (!job.overlays || overlays) return;
      overlays = results.map((r) => ({
        png: Uint8Array.from(encodePng(compareOverlay(img.image, r))),
        probability: r.top[0].probability,
        scoreKind: r.scoreKind,
        units: r.units,
      }));
    },
  });
  return { result, images, overlays };
}

/** A piece of a comparison's folder (the command line's pool), with each image's overlays when asked. */
export async function compareImagesJob(
  p: CallParams<'compareImages'>,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<CallResult<'compareImages'>> {
  if (!isMethod(p.job.method)) throw new InputError(`Unknown method "${p.job.method}".`);
  const overlays: Uint8Array[][] = [];
  const r = await compareImagesOf(
    {
      ...p.job,
      method: p.job.method,
      signal,
      onProgress,
      onImage: (img, results) => {
        if (p.overlays) overlays.push(results.map((x) => Uint8Array.from(encodePng(compareOverlay(img.image, x)))));
      },
    },
    p.pick,
  );
  return { ...r, ...(p.overlays ? { overlays } : {}) };
}

/** The metrics of the panel's current explanation: the same explanation as `explain`, then metricsOf. */
export async function metricsJob(job: MetricsJob, signal: AbortSignal, onProgress: ProgressFn): Promise<MetricsMessage> {
  if (!isMethod(job.method)) throw new InputError(`Unknown method "${job.method}".`);
  const model = await loadModel(job.modelPath);
  const settings = resolveModelSettings(model.path);
  const preprocess = panelPreprocess(model, settings, job.preprocess).spec;
  const image = await readImage(job.imagePath, { input: inputFit(model.inputs[0].shape) });
  const box = job.boxesFile ? parseBoxes(readRegularFile(job.boxesFile).toString('utf8'), job.boxesFile).get(path.basename(job.imagePath)) : undefined;
  const r = await explainImage(model, image, jobExplainOptions(job, job.method, settings, preprocess, signal));
  const { tensor: x } = toModelInput(image, model.inputs[0].shape, preprocess, model.path);
  try {
    onProgress(1, 2);
    const m = await metricsOf(model, image, x as tf.Tensor4D, r, { box, sanity: job.sanity, preprocess, labels: settings.labels, signal });
    onProgress(2, 2);
    return { ...m, target: r.target, score: r.units === 1 && r.scoreKind === 'logit' ? 'output' : 'probability' };
  } finally {
    x.dispose();
  }
}

/** SpRAy over a folder (the SpRAy panel). */
export async function sprayJob(job: SprayJob, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<SprayResultMessage> {
  if (!isMethod(job.method)) throw new InputError(`Unknown method "${job.method}".`);
  const { maps, ...rest } = job;
  const r = await runSpray({ ...rest, method: job.method, signal, onProgress, ...(maps ? { mapsOf: async () => maps } : {}) });
  return { ...r, signed: methodSpec(job.method).signed };
}

/** Knowledge points of one model (the compare panel's knowledge view). */
/** A knowledge job's options for core/distill/knowledge-run.ts. */
function knowledgeOptions(job: KnowledgeJob) {
  return {
    model: job.model,
    target: job.target,
    boxesFile: job.boxesFile,
    layer: job.layer,
    checkpoints: job.checkpoints,
    params: { ...(job.steps ? { steps: job.steps } : {}), ...(job.samples ? { samples: job.samples } : {}) },
    maxImages: job.maxImages,
  };
}

/** What a knowledge job finds points for (the extension's pool finds them, then `knowledgeJob` takes them). */
export function knowledgePlanJob(job: KnowledgeJob): Promise<KnowledgePlan> {
  return knowledgePlan(knowledgeOptions(job));
}

export async function knowledgeJob(job: KnowledgeJob, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<KnowledgeResultMessage> {
  const points = job.points;
  const r = await runKnowledge({
    ...knowledgeOptions(job),
    signal,
    onProgress,
    ...(points
      ? {
          pointsOf: async (p: KnowledgePointsJob) => {
            const found = points[p.model];
            if (!found) throw new Error(`knowledge: no points were found for ${p.model}`);
            return found.map((x) => ({ ...x, result: { ...x.result, entropy: Float32Array.from(x.result.entropy) } }));
          },
        }
      : {}),
  });
  const { params, ...rest } = r;
  return { ...rest, steps: params.steps, samples: params.samples };
}

/** Trains a student (the extension's training worker): progress per step, each epoch's checkpoint as a partial. */
export async function distillJob(
  job: DistillJob,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
  onEpoch: (e: DistillEpochMessage) => void,
): Promise<DistillResultMessage> {
  const loss: Partial<Record<TrainerTerm, number>> = {};
  for (const [name, weight] of Object.entries(job.loss)) {
    if (!(TRAINER_TERMS as readonly string[]).includes(name)) throw new InputError(`Unknown loss term "${name}".`);
    loss[name as TrainerTerm] = weight;
  }
  const { assistants, ...rest } = job;
  return distillChain({ ...rest, loss, signal, onProgress, onEpoch }, assistants ?? []);
}
