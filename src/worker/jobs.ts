import * as tf from '@tensorflow/tfjs-core';
import { defaultCamLayer, explainImage } from '../core/explain/explain-image';
import { layerStrip } from '../core/explain/layer-strip';
import { unitScore, resolveOutput } from '../core/explain/target';
import { isMethod } from '../core/explain/types';
import { InputError, throwIfAborted } from '../core/errors';
import { tidyValue } from '../core/engine/tidy';
import { readImage, type RgbImage } from '../core/image/decode';
import { scaleUnsigned } from '../core/image/display';
import { toModelInput, validatePreprocess } from '../core/image/preprocess';
import { loadModel } from '../core/model/load';
import { resolveModelSettings } from '../core/model/model-config';
import { sha256File } from '../core/model/sha256';
import { summarize } from '../core/model/summary';
import type { InspectableModel } from '../core/model/types';
import type { ExplainJob, ExplainResultMessage, LayerPreviewMessage, ModelSummaryMessage } from '../protocol/worker';

export type ProgressFn = (done: number, total: number) => void;

function camLayers(model: InspectableModel): string[] {
  return model.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name);
}

export async function summaryJob(modelPath: string): Promise<ModelSummaryMessage> {
  const model = await loadModel(modelPath);
  const settings = resolveModelSettings(model.path);
  const layers = camLayers(model);
  return { ...summarize(model), labels: settings.labels, camLayers: layers, defaultLayer: layers[layers.length - 1], backend: tf.getBackend() };
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

/** The preprocessed input as the model sees it, min-max rescaled to 0..255 for display. */
function modelInputPicture(model: InspectableModel, image: RgbImage, job: ExplainJob) {
  const settings = resolveModelSettings(model.path);
  const spec = validatePreprocess({ ...settings.preprocess, ...job.preprocess }, 'preprocessing');
  const { tensor } = toModelInput(image, model.inputs[0].shape, spec, model.path);
  const [, height, width, channels] = tensor.shape;
  const values = tidyValue(() => tensor.dataSync() as Float32Array);
  tensor.dispose();
  const scaled = scaleUnsigned(values);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = Math.round(255 * scaled[p * channels + (channels === 1 ? 0 : spec.channelOrder === 'bgr' ? 2 - c : c)]);
    out[p * 4 + 3] = 255;
  }
  return { width, height, rgba: out };
}

export async function explainJob(job: ExplainJob, signal: AbortSignal, onProgress: ProgressFn): Promise<ExplainResultMessage> {
  if (!isMethod(job.method)) throw new InputError(`Unknown method "${job.method}".`);
  const model = await loadModel(job.modelPath);
  const settings = resolveModelSettings(model.path);
  const preprocess = validatePreprocess({ ...settings.preprocess, ...job.preprocess }, 'preprocessing');
  const image = await readImage(job.imagePath);
  throwIfAborted(signal);
  const r = await explainImage(model, image, {
    method: job.method,
    layers: job.layers,
    target: job.target,
    output: job.output ?? settings.output,
    params: job.params,
    preprocess,
    labels: settings.labels,
    topK: job.topK ?? 5,
    signal,
    onProgress,
  });
  return {
    method: r.method,
    layers: r.layers,
    output: r.output,
    target: r.target,
    top: r.top,
    grid: r.grid,
    image: r.image,
    signed: r.signed,
    details: r.details,
    params: { ...r.params, image: job.imagePath, model: model.path, modelSha256: sha256File(model.path), output: r.output, preprocess, ...r.details },
    picture: rgba(image),
    modelInput: modelInputPicture(model, image, job),
    timeMs: r.timeMs,
    backend: r.backend,
  };
}

/** Grad-CAM at every 4-D layer (or the ones asked), one partial result per layer as it is done. */
export async function layerPreviewJob(job: ExplainJob, signal: AbortSignal, onPartial: (p: LayerPreviewMessage) => void, onProgress: ProgressFn): Promise<number> {
  const model = await loadModel(job.modelPath);
  const settings = resolveModelSettings(model.path);
  const preprocess = validatePreprocess({ ...settings.preprocess, ...job.preprocess }, 'preprocessing');
  const image = await readImage(job.imagePath);
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
