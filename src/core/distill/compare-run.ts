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
import { compareModels, type CompareImage, type CompareModel, type CompareOptions, type CompareResult } from './compare';

export interface CompareRunOptions {
  models: string[];
  /** An image or a folder. */
  target: string;
  method: MethodName;
  /** One per model, in model order (fewer: the rest take their default CAM layer). */
  layers?: (string | undefined)[];
  /** labels.txt-style: line i names class i (for models without labels of their own). */
  labelsFile?: string;
  boxesFile?: string;
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

export async function runCompare(o: CompareRunOptions): Promise<{ result: CompareResult; images: number }> {
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
  const listed = listImages(o.target);

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
  const images: CompareImage[] = [];
  for (const f of listed) {
    const image = await readImage(f.file, { input: fit });
    images.push({ name: f.name, image, truth: f.truth ?? boxLabels.get(f.name), box: boxes?.get(f.name) });
  }
  const result = await compareModels(models, images, { method: o.method, onProgress: o.onProgress, onImage: o.onImage, signal: o.signal });
  return { result, images: images.length };
}
