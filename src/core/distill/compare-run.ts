/**
 * A compare job from files (the CLI's `compare` and the compare panel's worker job): the models loaded
 * with their own settings, the images of a file or folder decoded once for every model, the truth from
 * class sub-folders or the boxes file's "label", then compareModels.
 */
import * as fs from 'node:fs';
import { InputError } from '../errors';
import type { MethodName } from '../explain/specs';
import { readImage } from '../image/decode';
import { listImages } from '../image/image-list';
import { parseBoxes } from '../metrics/boxes';
import { loadModel } from '../model/load';
import { resolveModelSettings, resolvePreprocess } from '../model/model-config';
import { compareImage, summariseComparison, type CompareModel, type CompareOptions, type CompareResult } from './compare';
import type { ComparedImages, CompareJobSpec, ImageComparison } from './compare-types';

export interface CompareRunOptions extends Omit<CompareJobSpec, 'method'> {
  method: MethodName;
  onProgress?: CompareOptions['onProgress'];
  onImage?: CompareOptions['onImage'];
  signal?: AbortSignal;
}

/** The demo layout's class labels ("label": index) by file, when the boxes file has them. */
function labelsFromBoxes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const json = JSON.parse(text) as { file?: unknown; label?: unknown }[];
    if (Array.isArray(json)) for (const e of json) if (typeof e?.file === 'string' && Number.isInteger(e.label)) out.set(e.file, e.label as number);
  } catch {
    // parseBoxes reports a malformed file.
  }
  return out;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * The contributions of the images at `pick` (indices into the listing of `o.target`; default: every
 * image), in that order — a worker's piece of a folder, or the whole of it.
 */
export async function compareImagesOf(o: CompareRunOptions, pick?: number[]): Promise<ComparedImages> {
  if (o.models.length < 2) throw new InputError('compare needs at least two models');
  const layers = o.layers ?? [];
  if (layers.length > o.models.length)
    throw new InputError(`--layer is given ${layers.length} times for ${o.models.length} models (one per model, in model order)`);
  const extraLabels = o.labelsFile
    ? readText(o.labelsFile)
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l, i, all) => l.length > 0 || i < all.length - 1)
    : undefined;
  const boxesText = o.boxesFile !== undefined ? readText(o.boxesFile) : undefined;
  const boxes = boxesText !== undefined ? parseBoxes(boxesText, o.boxesFile!) : undefined;
  const boxLabels = boxesText !== undefined ? labelsFromBoxes(boxesText) : new Map<string, number>();
  const all = listImages(o.target);
  const listed = pick ? pick.map((i) => all[i]) : all;

  const models: CompareModel[] = [];
  for (const [i, p] of o.models.entries()) {
    const model = await loadModel(p);
    const settings = resolveModelSettings(model.path);
    models.push({ model, preprocess: resolvePreprocess(model, settings).spec, labels: settings.labels ?? extraLabels, layer: layers[i] });
  }
  // One decode per image for every model: fitted to the largest model input.
  const fit = {
    height: Math.max(...models.map((m) => m.model.inputs[0].shape[1] ?? 0)) || null,
    width: Math.max(...models.map((m) => m.model.inputs[0].shape[2] ?? 0)) || null,
  };
  const out: ImageComparison[] = [];
  const opts = { method: o.method, onProgress: o.onProgress, onImage: o.onImage, signal: o.signal };
  for (const [i, f] of listed.entries()) {
    const image = await readImage(f.file, { input: fit });
    const img = { name: f.name, image, truth: f.truth ?? boxLabels.get(f.name), box: boxes?.get(f.name) };
    out.push(await compareImage(models, img, opts, i * models.length, listed.length * models.length));
  }
  return { paths: models.map((m) => m.model.path), images: out };
}

export async function runCompare(o: CompareRunOptions): Promise<{ result: CompareResult; images: number }> {
  const { paths, images } = await compareImagesOf(o);
  return { result: summariseComparison(paths, images), images: images.length };
}
