/**
 * A knowledge-points job from files (the CLI's `knowledge` and the compare panel's knowledge view): the
 * images of a file or folder that have a box, each decoded for the model with its box carried into the
 * model input's pixels, knowledge points per image, and over a run's checkpoints D_mean, D_std and ρ.
 */
import * as fs from 'node:fs';
import { InputError, throwIfAborted } from '../errors';
import { inputFit, readImage } from '../image/decode';
import { listImages } from '../image/image-list';
import { toModelInput, type InputGeometry } from '../image/preprocess';
import { parseBoxes } from '../metrics/boxes';
import type { Box } from '../metrics/pointing-game';
import { defaultCamLayer } from '../model/cam-layers';
import { loadModel } from '../model/load';
import { resolveModelSettings, resolvePreprocess } from '../model/model-config';
import type { InspectableModel } from '../model/types';
import { checkpointFiles, learningMetrics } from './checkpoints';
import { KNOWLEDGE_DEFAULTS, knowledgeOf, type InputBox, type KnowledgeParams } from './knowledge';
import type { BoxedImage, ImagePoints, KnowledgePlan, KnowledgePointsJob } from './knowledge-types';

/** A box in image pixels → the model input's pixels, through where the image sits in the input. */
export function boxToInput(box: Box, g: InputGeometry): InputBox {
  const sx = g.target.width / g.source.width;
  const sy = g.target.height / g.source.height;
  return { x: g.target.x + (box.x - g.source.x) * sx, y: g.target.y + (box.y - g.source.y) * sy, width: box.width * sx, height: box.height * sy };
}

export interface KnowledgeRunOptions {
  model: string;
  /** An image or a folder (with class sub-folders). */
  target: string;
  boxesFile: string;
  /** Undefined: the default CAM layer. */
  layer?: string;
  /** DIR or GLOB of the run's checkpoints (an epoch-0 one among them). */
  checkpoints?: string;
  params?: Partial<KnowledgeParams>;
  /** At most this many images (in name order); undefined = all. */
  maxImages?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * The points of `images` in the model or checkpoint file `model`, computed elsewhere (the command line's
   * pool of workers, each running `knowledgePointsOf` on a piece); default: in this thread.
   */
  pointsOf?: (job: KnowledgePointsJob, onProgress: (done: number) => void) => Promise<ImagePoints>;
}

/** The CLI's --json object, with each image's entropy grid and points (--heatmap-out) beside it. */
export interface KnowledgeRunResult {
  model: string;
  layer: string;
  params: KnowledgeParams;
  images: { image: string; nFg: number; nBg: number; lambdaFg: number | null; meanEntropyBg: number; grid: number[]; points: [number, number][] }[];
  checkpoints?: { path: string; nFg: number; nBg: number }[];
  dMean?: number;
  dStd?: number;
  rho?: number;
}

const mean = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);

/** Every float weight of a model, concatenated in its order (for weight distances between checkpoints). */
export function flatWeights(model: InspectableModel): Float32Array {
  const parts = model.weightTensors().filter(([, t]) => t.dtype === 'float32');
  const out = new Float32Array(parts.reduce((a, [, t]) => a + t.size, 0));
  let o = 0;
  for (const [, t] of parts) {
    out.set(t.dataSync() as Float32Array, o);
    o += t.size;
  }
  return out;
}

/** The points of each image in `m` at `layer`; progress counts steps (`params.steps` per image). */
async function pointsIn(
  m: InspectableModel,
  images: BoxedImage[],
  layer: string,
  params: KnowledgeParams,
  o: { signal?: AbortSignal; onProgress?: (done: number) => void },
): Promise<ImagePoints> {
  const preprocess = resolvePreprocess(m, resolveModelSettings(m.path)).spec;
  const out: ImagePoints = [];
  for (const [i, img] of images.entries()) {
    throwIfAborted(o.signal);
    // Decoding may shrink a large photo: the box follows.
    const image = await readImage(img.file, { input: inputFit(m.inputs[0].shape) });
    const sx = image.width / img.width;
    const sy = image.height / img.height;
    const scaled: Box = { x: img.box.x * sx, y: img.box.y * sy, width: img.box.width * sx, height: img.box.height * sy };
    const { tensor, geometry } = toModelInput(image, m.inputs[0].shape, preprocess, m.path);
    try {
      const base = i * params.steps;
      const result = await knowledgeOf(m, tensor, layer, boxToInput(scaled, geometry), params, {
        signal: o.signal,
        onProgress: (d) => o.onProgress?.(base + d),
      });
      out.push({ name: img.name, result });
    } finally {
      tensor.dispose();
    }
  }
  return out;
}

/** A worker's piece of a knowledge job: the points of some images in one model or checkpoint file. */
export async function knowledgePointsOf(
  job: KnowledgePointsJob,
  o: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<ImagePoints> {
  const m = await loadModel(job.model);
  const total = job.images.length * job.params.steps;
  return pointsIn(m, job.images, job.layer, job.params, { signal: o.signal, onProgress: (d) => o.onProgress?.(d, total) });
}

/** What every knowledge job reads first: the parameters, the model, the layer, the checkpoints, the images with a box. */
async function prepare(o: KnowledgeRunOptions) {
  const params: KnowledgeParams = { ...KNOWLEDGE_DEFAULTS, ...o.params };
  let boxesText: string;
  try {
    boxesText = fs.readFileSync(o.boxesFile, 'utf8');
  } catch (err) {
    throw new InputError(`${o.boxesFile}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const boxes = parseBoxes(boxesText, o.boxesFile);
  const model = await loadModel(o.model);
  const layer = o.layer ?? defaultCamLayer(model);
  if (!layer || !model.layers.some((l) => l.name === layer)) throw new InputError(`Layer "${layer ?? ''}" does not exist in ${model.path}.`);
  const checkpoints = o.checkpoints ? checkpointFiles(o.checkpoints) : [];
  // Boxes are in the pixels of the image file: decode once at full size to know it.
  const images: BoxedImage[] = [];
  for (const img of listImages(o.target)) {
    const box = boxes.get(img.name);
    if (!box) continue;
    if (o.maxImages !== undefined && images.length >= o.maxImages) break;
    const full = await readImage(img.file);
    images.push({ file: img.file, name: img.name, box, width: full.width, height: full.height });
  }
  if (images.length === 0) throw new InputError(`${o.boxesFile}: no box for any image of ${o.target}`);
  return { params, model, layer, checkpoints, images };
}

/** A checkpoint file that is the model itself (demo/train_kd.py copies the last one): its points are the model's. */
function sameFile(file: string, bytes: Buffer): boolean {
  return fs.statSync(file).size === bytes.length && fs.readFileSync(file).equals(bytes);
}

/**
 * What a knowledge job will find points for — the model and every checkpoint that is not the model
 * itself, by the path `pointsOf` is asked for —, for a caller that computes them elsewhere (the
 * extension's pool) and hands them back through `pointsOf`.
 */
export async function knowledgePlan(o: KnowledgeRunOptions): Promise<KnowledgePlan> {
  const { params, model, layer, checkpoints, images } = await prepare(o);
  const models = [model.path];
  const modelBytes = checkpoints.length ? fs.readFileSync(model.path) : Buffer.alloc(0);
  for (const file of checkpoints) {
    if (sameFile(file, modelBytes)) continue;
    const m = await loadModel(file);
    if (!m.layers.some((l) => l.name === layer)) throw new InputError(`Layer "${layer}" does not exist in the checkpoint ${file}.`);
    models.push(m.path);
  }
  return { layer, params, images, models };
}

export async function runKnowledge(o: KnowledgeRunOptions): Promise<KnowledgeRunResult> {
  const { params, model, layer, checkpoints, images } = await prepare(o);
  const total = images.length * (1 + checkpoints.length) * params.steps;
  let done = 0;
  const pointsOf = async (m: InspectableModel): Promise<ImagePoints> => {
    if (o.pointsOf) {
      const base = done;
      const r = await o.pointsOf({ model: m.path, layer, images, params }, (d) => o.onProgress?.(base + d, total));
      done = base + images.length * params.steps;
      o.onProgress?.(done, total);
      return r;
    }
    const base = done;
    const r = await pointsIn(m, images, layer, params, { signal: o.signal, onProgress: (d) => o.onProgress?.(base + d, total) });
    done = base + images.length * params.steps;
    return r;
  };

  const final = await pointsOf(model);
  const out: KnowledgeRunResult = {
    model: model.path,
    layer,
    params,
    images: final.map(({ name, result: r }) => ({
      image: name,
      nFg: r.nFg,
      nBg: r.nBg,
      lambdaFg: r.lambdaFg,
      meanEntropyBg: r.meanEntropyBg,
      grid: Array.from(r.entropy),
      points: r.points,
    })),
  };
  if (checkpoints.length) {
    const perCheckpoint: { path: string; points: ImagePoints; weights: Float32Array }[] = [];
    const modelBytes = fs.readFileSync(model.path);
    for (const file of checkpoints) {
      if (sameFile(file, modelBytes)) {
        perCheckpoint.push({ path: file, points: final, weights: flatWeights(model) });
        done += images.length * params.steps;
        o.onProgress?.(done, total);
        continue;
      }
      const m = await loadModel(file);
      if (!m.layers.some((l) => l.name === layer)) throw new InputError(`Layer "${layer}" does not exist in the checkpoint ${file}.`);
      perCheckpoint.push({ path: file, points: await pointsOf(m), weights: flatWeights(m) });
    }
    Object.assign(out, {
      checkpoints: perCheckpoint.map((c) => ({ path: c.path, nFg: mean(c.points.map((p) => p.result.nFg)), nBg: mean(c.points.map((p) => p.result.nBg)) })),
      ...learningMetrics(perCheckpoint),
    });
  }
  return out;
}
