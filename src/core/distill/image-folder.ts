/**
 * A training set in the ImageFolder layout — one sub-folder per class, its images inside — decoded for a
 * model input: every image resized and scaled as the model takes it (NHWC floats), its class the index of
 * its folder in name order. Refused with one line naming the folder or file: no class folders, one class
 * only, a class folder without images, an unreadable image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { inputFit, readImage } from '../image/decode';
import { IMAGE_FILE } from '../image/image-list';
import { PREPROCESS_PRESETS, toModelInput, type PreprocessSpec } from '../image/preprocess';
import { mulberry32 } from '../explain/random';

export interface ImageSet {
  classes: string[];
  /** [N·H·W·C] */
  x: Float32Array;
  labels: Int32Array;
  files: string[];
  /** [H, W, C] */
  shape: [number, number, number];
  /** With `keepRaw`: the pixels placed at the input size before scaling, RGB 0..255 [N·H·W·3] (what augmentation works on). */
  raw?: Float32Array;
}

export function classFolders(dir: string): { classes: string[]; files: { file: string; label: number }[] } {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new InputError(`${dir}: not a folder (the data is a folder with one sub-folder of images per class)`);
  const classes = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classes.length === 0) throw new InputError(`${dir}: no class folders (the data needs one sub-folder of images per class)`);
  if (classes.length === 1) throw new InputError(`${dir}: only one class folder ("${classes[0]}"); a classifier needs two or more`);
  const files: { file: string; label: number }[] = [];
  classes.forEach((c, label) => {
    const images = fs
      .readdirSync(path.join(dir, c))
      .filter((f) => IMAGE_FILE.test(f))
      .sort();
    if (images.length === 0) throw new InputError(`${path.join(dir, c)}: the class folder holds no PNG or JPEG images`);
    for (const f of images) files.push({ file: path.join(dir, c, f), label });
  });
  return { classes, files };
}

/** Decodes `files` for a model input of `inputShape` ([B, H, W, C]) with `preprocess`. */
export async function decodeImages(
  files: { file: string; label: number }[],
  classes: string[],
  inputShape: (number | null)[],
  preprocess: PreprocessSpec,
  signal?: AbortSignal,
  keepRaw = false,
): Promise<ImageSet> {
  const [h, w, c] = [inputShape[1] ?? 0, inputShape[2] ?? 0, inputShape[3] ?? 3];
  if (!h || !w) throw new InputError(`the model's input has no fixed size (${JSON.stringify(inputShape)}); the trainer needs one`);
  const x = new Float32Array(files.length * h * w * c);
  const labels = new Int32Array(files.length);
  const raw = keepRaw ? new Float32Array(files.length * h * w * 3) : undefined;
  // The same placement (resize mode), no scaling, three channels.
  const rawSpec: PreprocessSpec = { ...PREPROCESS_PRESETS.raw, resize: preprocess.resize };
  const rawShape = [1, h, w, 3];
  for (const [i, f] of files.entries()) {
    if (signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    const image = await readImage(f.file, { input: inputFit(inputShape) });
    const { tensor } = toModelInput(image, inputShape, preprocess, f.file);
    try {
      x.set(tensor.dataSync(), i * h * w * c);
    } finally {
      tensor.dispose();
    }
    if (raw) {
      const r = toModelInput(image, rawShape, rawSpec, f.file).tensor;
      raw.set(r.dataSync(), i * h * w * 3);
      r.dispose();
    }
    labels[i] = f.label;
  }
  return { classes, x, labels, files: files.map((f) => f.file), shape: [h, w, c], raw };
}

/** A deterministic split: the files shuffled by the seed, the last `fraction` of them for validation. */
export function splitFiles<T>(files: T[], fraction: number, seed: number): { train: T[]; val: T[] } {
  if (!(fraction > 0 && fraction < 1)) throw new InputError(`--val-split must be between 0 and 1 (got ${fraction})`);
  const order = permutation(files.length, seed);
  const nVal = Math.max(1, Math.round(files.length * fraction));
  if (nVal >= files.length) throw new InputError(`--val-split ${fraction} leaves no training images of ${files.length}`);
  return { train: order.slice(0, files.length - nVal).map((i) => files[i]), val: order.slice(files.length - nVal).map((i) => files[i]) };
}

/** A permutation of 0…n−1 from a seed (Fisher–Yates with mulberry32): the same seed, the same order. */
export function permutation(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
