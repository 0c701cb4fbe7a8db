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
import { SPRAY_METHOD, type MethodName, type MethodParams } from '../explain/specs';
import { readImage } from '../image/decode';
import { listImages } from '../image/image-list';
import { loadModel } from '../model/load';
import { resolveModelSettings, resolvePreprocess } from '../model/model-config';
import type { Grid } from '../explain/types';
import type { InspectableModel } from '../model/types';
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
  /** Filled with each stage's milliseconds: maps, graph, eigen, kmeans, embed. */
  timings?: Record<string, number>;
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
  const input = model.inputs[0].shape;
  const maps: Float32Array[] = [];
  for (const [i, f] of listed.entries()) {
    throwIfAborted(o.signal);
    const image = await readImage(f.file, { input: { height: input[1] ?? null, width: input[2] ?? null } });
    const r = await explainImage(model, image, {
      method: o.method,
      target: target.index,
      preprocess,
      labels: settings.labels,
      params: o.params,
      signal: o.signal,
    });
    maps.push(normaliseMap(poolGrid(r.grid, o.grid)));
    o.onProgress?.(i + 1, listed.length);
  }
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
