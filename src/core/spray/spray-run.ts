/**
 * A SpRAy job from files (the CLI's `spray` and the SpRAy panel's worker job): every image of a folder
 * (recursively) explained for one class with one method, each map summed over channels (the methods' raw
 * grid), averaged down to GRID × GRID cells and divided by its largest |value|; spectral clustering of the
 * maps (spectral.ts); a seeded 2-D embedding — UMAP (umap-js) or t-SNE (tsne, Karpathy's tsnejs, its
 * starting layout drawn from our seeded generator) — and each cluster's mean map.
 */
import * as path from 'node:path';
import { UMAP } from 'umap-js';
import { InputError, throwIfAborted } from '../errors';
import { explainImage } from '../explain/explain-image';
import { mulberry32 } from '../explain/random';
import { DEFAULT_PARAMS, SPRAY_METHOD, type MethodName, type MethodParams } from '../explain/specs';
import { readImage } from '../image/decode';
import { listImages, type ListedImage } from '../image/image-list';
import { pixelBounds, toModelInput, type PreprocessSpec } from '../image/preprocess';
import * as tf from '@tensorflow/tfjs-core';
import { activationBytesPerItem, batchSizeFor } from '../engine/memory';
import { yieldToEvents } from '../explain/batching';
import { lrp, lrpMaps } from '../explain/lrp/lrp';
import { withDefaults } from '../explain/params';
import { METHOD_TABLE } from '../explain/registry';
import { loadModel } from '../model/load';
import { resolveModelSettings, resolvePreprocess } from '../model/model-config';
import type { Grid } from '../explain/types';
import type { InspectableModel } from '../model/types';
import type { SprayMapsJob } from './maps-job';
import { spectralClusters } from './spectral';
import { tsne2d } from './tsne';

export const EMBEDDINGS = ['umap', 'tsne'] as const;
export type Embedding = (typeof EMBEDDINGS)[number];

export const SPRAY_DEFAULTS = { method: SPRAY_METHOD, grid: 16, neighbours: 10, embedding: 'umap' as Embedding, seed: 0 };

export interface SprayOptions {
  /** A model file, or a model already loaded (the benchmark's). */
  model: string | InspectableModel;
  /** The folder, as given (the images' paths in the result start with it). */
  folder: string;
  /** A class index or a label of the model's labels. */
  classArg: string;
  method: MethodName;
  grid: number;
  neighbours: number;
  /** undefined: the eigengap's choice. */
  clusters?: number;
  embedding: Embedding;
  seed: number;
  params?: Partial<MethodParams>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** LRP's images per batch (1: one at a time, as every other method); default: sized to memory. */
  batchSize?: number;
  /** Filled with each stage's milliseconds: maps, graph, eigen, kmeans, embed. */
  timings?: Record<string, number>;
  /**
   * The maps of these image files for class `target`, in their order, computed elsewhere (the command
   * line's pool of workers, each running `sprayMapsOf` on a piece); default: in this thread.
   */
  mapsOf?: (files: string[], target: number) => Promise<Float32Array[]>;
}

export interface SprayResult {
  /** The class index. */
  class: number;
  /** Its label, when the model has labels. */
  label?: string;
  method: MethodName;
  clusters: number;
  /** The smallest eigenvalues of the normalised Laplacian (up to 10), ascending. */
  eigenvalues: number[];
  images: { image: string; cluster: number; x: number; y: number }[];
  groups: { cluster: number; size: number; meanMap: Grid }[];
}

/** The map averaged over cells to n × n (each output cell the area-weighted mean of the input cells it covers). */
export function poolGrid(g: Grid, n: number): Float32Array {
  const out = new Float32Array(n * n);
  const sy = g.height / n;
  const sx = g.width / n;
  for (let oy = 0; oy < n; oy++)
    for (let ox = 0; ox < n; ox++) {
      let sum = 0;
      let area = 0;
      const [y0, y1, x0, x1] = [oy * sy, (oy + 1) * sy, ox * sx, (ox + 1) * sx];
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          sum += w * g.values[y * g.width + x];
          area += w;
        }
      }
      out[oy * n + ox] = area > 0 ? sum / area : 0;
    }
  return out;
}

/** Divided by the largest |value| (a map of zeros stays zeros). */
export function normaliseMap(v: Float32Array): Float32Array {
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  return max > 0 ? v.map((x) => x / max) : v;
}

/** The class an argument names: an index below the output's size, or one of the labels. */
export function resolveClass(arg: string, labels: string[] | undefined, units: number | undefined, model: string): { index: number; label?: string } {
  if (/^\d+$/.test(arg)) {
    const index = Number(arg);
    if (units !== undefined && index >= units) throw new InputError(`--class ${arg}: ${model} has ${units} classes (0..${units - 1})`);
    return { index, label: labels?.[index] };
  }
  const index = labels?.indexOf(arg) ?? -1;
  if (index < 0)
    throw new InputError(
      labels
        ? `--class "${arg}" is not one of ${model}'s labels (${labels.join(', ')})`
        : `--class "${arg}": ${model} has no labels (classes.json); give an index`,
    );
  return { index, label: arg };
}

export function embed(rows: Float32Array[], kind: Embedding, neighbours: number, seed: number): [number, number][] {
  if (rows.length < 3) return rows.map((_, i) => [i, 0]);
  const data = rows.map((r) => Array.from(r));
  if (kind === 'tsne') return tsne2d(data, seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(neighbours, rows.length - 1), random: mulberry32(seed + 1) });
  return umap.fit(data).map((p) => [p[0], p[1]]);
}

/**
 * Each image's map, pooled and scaled. LRP runs in batches through one LRP graph (`lrpMaps`) when the
 * model's input size is fixed; every other method (and LRP with `batchSize` 1) image by image through
 * explainImage — the same maps either way (a test checks it).
 */
async function sprayMaps(
  model: InspectableModel,
  listed: ListedImage[],
  target: number,
  preprocess: PreprocessSpec,
  labels: string[] | undefined,
  o: Pick<SprayOptions, 'method' | 'grid' | 'params' | 'batchSize' | 'signal' | 'onProgress'>,
): Promise<Float32Array[]> {
  const input = model.inputs[0].shape;
  const fit = { height: input[1] ?? null, width: input[2] ?? null };
  const maps: Float32Array[] = [];
  const fixed = input.slice(1).every((d) => d !== null);
  const batch =
    METHOD_TABLE[o.method] === lrp && fixed ? (o.batchSize ?? batchSizeFor(activationBytesPerItem(model, [1, ...(input.slice(1) as number[])]), true)) : 1;
  if (batch <= 1) {
    for (const [i, f] of listed.entries()) {
      throwIfAborted(o.signal);
      const image = await readImage(f.file, { input: fit });
      const r = await explainImage(model, image, { method: o.method, target, preprocess, labels, params: o.params, signal: o.signal });
      maps.push(normaliseMap(poolGrid(r.grid, o.grid)));
      o.onProgress?.(i + 1, listed.length);
    }
    return maps;
  }
  const params: MethodParams = { ...withDefaults(DEFAULT_PARAMS, o.params), batchSize: batch };
  for (let start = 0; start < listed.length; start += batch) {
    throwIfAborted(o.signal);
    const part = listed.slice(start, start + batch);
    const inputs: tf.Tensor4D[] = [];
    try {
      for (const f of part) inputs.push(toModelInput(await readImage(f.file, { input: fit }), input, preprocess, model.path).tensor as tf.Tensor4D);
      const xs = tf.concat(inputs) as tf.Tensor4D;
      try {
        const [, h, w, c] = xs.shape;
        for (const values of lrpMaps(model, xs, target, params, pixelBounds(preprocess, c)))
          maps.push(normaliseMap(poolGrid({ width: w, height: h, values }, o.grid)));
      } finally {
        xs.dispose();
      }
    } finally {
      tf.dispose(inputs);
    }
    o.onProgress?.(Math.min(listed.length, start + batch), listed.length);
    await yieldToEvents();
  }
  return maps;
}

/** The maps of `job.files` for one class (pooled to the grid, scaled), as runSpray computes them. */
export async function sprayMapsOf(
  job: SprayMapsJob,
  o: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Float32Array[]> {
  const model = await loadModel(job.model);
  const settings = resolveModelSettings(model.path);
  const listed = job.files.map((file) => ({ file, name: file }));
  return sprayMaps(model, listed, job.target, resolvePreprocess(model, settings).spec, settings.labels, { ...job, ...o });
}

/** The class index `classArg` names in the model (an index below its outputs, or one of its labels). */
export async function sprayClass(modelPath: string, classArg: string): Promise<number> {
  const model = await loadModel(modelPath);
  const settings = resolveModelSettings(model.path);
  return resolveClass(classArg, settings.labels, model.outputs[0]?.shape.at(-1) ?? undefined, modelPath).index;
}

export async function runSpray(o: SprayOptions): Promise<SprayResult> {
  if (!Number.isInteger(o.grid) || o.grid < 2 || o.grid > 256) throw new InputError(`--grid must be a whole number from 2 to 256 (got ${o.grid})`);
  const listed = listImages(o.folder, { recursive: true });
  if (listed.length <= o.neighbours)
    throw new InputError(
      `${o.folder}: ${listed.length} image${listed.length === 1 ? '' : 's'} for --neighbours ${o.neighbours}; SpRAy needs more images than neighbours`,
    );
  const model = typeof o.model === 'string' ? await loadModel(o.model) : o.model;
  const settings = resolveModelSettings(model.path);
  const preprocess = resolvePreprocess(model, settings).spec;
  const units = model.outputs[0]?.shape.at(-1) ?? undefined;
  const target = resolveClass(o.classArg, settings.labels, units ?? undefined, typeof o.model === 'string' ? o.model : model.path);
  const started = performance.now();
  const maps = o.mapsOf
    ? await o.mapsOf(
        listed.map((f) => f.file),
        target.index,
      )
    : await sprayMaps(model, listed, target.index, preprocess, settings.labels, o);
  if (o.timings) o.timings.maps = performance.now() - started;
  const spectral = spectralClusters(maps, { neighbours: o.neighbours, clusters: o.clusters, seed: o.seed, timings: o.timings });
  const t0 = performance.now();
  const xy = embed(maps, o.embedding, o.neighbours, o.seed);
  if (o.timings) o.timings.embed = performance.now() - t0;
  const groups = Array.from({ length: spectral.clusters }, (_, c) => {
    const members = maps.filter((_, i) => spectral.labels[i] === c);
    const mean = new Float32Array(o.grid * o.grid);
    for (const m of members) for (let k = 0; k < mean.length; k++) mean[k] += m[k] / members.length;
    return { cluster: c, size: members.length, meanMap: { width: o.grid, height: o.grid, values: mean } };
  });
  return {
    class: target.index,
    ...(target.label !== undefined ? { label: target.label } : {}),
    method: o.method,
    clusters: spectral.clusters,
    eigenvalues: spectral.eigenvalues,
    images: listed.map((f, i) => ({ image: path.join(o.folder, f.name), cluster: spectral.labels[i], x: xy[i][0], y: xy[i][1] })),
    groups,
  };
}
