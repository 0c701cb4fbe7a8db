import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { gaussianBlur } from '../explain/baseline';
import { mulberry32 } from '../explain/random';
import type { RgbImage } from './decode';

/**
 * Image augmentations for making a second view of an image (`pair --augment`) and for training the
 * self-supervised demo encoder: SimCLR's list, on batches of RGB images in [0, 1] (NHWC), with every
 * random choice drawn in JavaScript from one seed (the same views on every backend).
 */
export type AugmentOp =
  /** Random resized crop keeping a share of the area (aspect ratio log-uniform in [3/4, 4/3]), resized back. */
  | { kind: 'crop'; share: number; /** training: the share drawn uniformly from [share, upTo] */ upTo?: number }
  /** Horizontal flip, with probability p (1 from the command line). */
  | { kind: 'flip'; p?: number }
  /** Colour jitter of strength s: brightness, contrast and saturation factors in [1 − 0.8s, 1 + 0.8s], hue turned by up to ±0.2s of a full turn. */
  | { kind: 'jitter'; strength: number; p?: number }
  /** Grayscale (ITU-R 601 luma), with probability p. */
  | { kind: 'gray'; p?: number }
  /** Gaussian blur of the given σ in pixels. */
  | { kind: 'blur'; sigma: number }
  /** Solarise: values at or above the threshold (0..1) are inverted. */
  | { kind: 'solarize'; threshold: number }
  /** Rotation by an angle drawn uniformly from [−degrees, degrees], black corners. */
  | { kind: 'rotate'; degrees: number };

const USAGE = 'crop=S, flip, jitter=S, gray, blur=SIGMA, solarize=T, rotate=DEG';

/** Parses `--augment`: a comma-separated list applied in order. */
export function parseAugment(spec: string): AugmentOp[] {
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new InputError(`--augment is empty: give a comma-separated list of ${USAGE}.`);
  return parts.map((part) => {
    const [name, raw, ...rest] = part.split('=');
    const value = raw === undefined ? undefined : Number(raw);
    const needs = (lo: number, hi: number, what: string): number => {
      if (raw === undefined || rest.length > 0 || raw.trim() === '' || !Number.isFinite(value) || value! < lo || value! > hi) {
        throw new InputError(`--augment ${part}: ${name} needs ${what} (${name}=<number from ${lo} to ${hi}>).`);
      }
      return value!;
    };
    const none = () => {
      if (raw !== undefined) throw new InputError(`--augment ${part}: ${name} takes no value.`);
    };
    switch (name) {
      case 'crop':
        return { kind: 'crop', share: needs(0.01, 1, 'the share of the area to keep') };
      case 'flip':
        none();
        return { kind: 'flip' };
      case 'jitter':
        return { kind: 'jitter', strength: needs(0, 1, 'a strength') };
      case 'gray':
        none();
        return { kind: 'gray' };
      case 'blur':
        return { kind: 'blur', sigma: needs(0.1, 50, 'a σ in pixels') };
      case 'solarize':
        return { kind: 'solarize', threshold: needs(0, 1, 'a threshold') };
      case 'rotate':
        return { kind: 'rotate', degrees: needs(0, 180, 'an angle in degrees') };
      default:
        throw new InputError(`--augment: unknown augmentation "${name}"; use ${USAGE}.`);
    }
  });
}

/** Writes the list back in `--augment` syntax (for exports). */
export function formatAugment(ops: AugmentOp[]): string {
  return ops
    .map((o) => {
      switch (o.kind) {
        case 'crop':
          return `crop=${o.share}`;
        case 'jitter':
          return `jitter=${o.strength}`;
        case 'blur':
          return `blur=${o.sigma}`;
        case 'solarize':
          return `solarize=${o.threshold}`;
        case 'rotate':
          return `rotate=${o.degrees}`;
        default:
          return o.kind;
      }
    })
    .join(',');
}

/** 3×3 colour matrix of a hue rotation by `turns` of a full turn (about the gray axis, in YIQ). */
function hueMatrix(turns: number): number[] {
  const a = 2 * Math.PI * turns;
  const c = Math.cos(a);
  const s = Math.sin(a);
  // RGB → YIQ, rotate I/Q, YIQ → RGB.
  const toYiq = [0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312];
  const toRgb = [1, 0.956, 0.621, 1, -0.272, -0.647, 1, -1.106, 1.703];
  const rot = [1, 0, 0, 0, c, -s, 0, s, c];
  const mul = (p: number[], q: number[]) =>
    Array.from({ length: 9 }, (_, k) => [0, 1, 2].reduce((acc, j) => acc + p[Math.floor(k / 3) * 3 + j] * q[j * 3 + (k % 3)], 0));
  return mul(toRgb, mul(rot, toYiq));
}

const LUMA = [0.299, 0.587, 0.114];

function gray(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.tile(tf.sum(tf.mul(x, tf.tensor1d(LUMA)), 3, true), [1, 1, 1, 3]) as tf.Tensor4D);
}

/** One op on a batch; `rand` gives this batch's random numbers, drawn item by item. */
function apply(x: tf.Tensor4D, op: AugmentOp, rand: () => number): tf.Tensor4D {
  const [n, height, width] = x.shape;
  const perItem = (p: number | undefined) => Array.from({ length: n }, () => rand() < (p ?? 1));
  // Per-item choice as a broadcast blend m·yes + (1 − m)·x (select/where is slow on wasm); m is 0 or 1.
  const select = (mask: boolean[], yes: tf.Tensor4D) => {
    if (mask.every(Boolean)) return yes;
    if (!mask.some(Boolean)) return x;
    const m = tf.tensor4d(mask.map(Number), [n, 1, 1, 1]);
    return tf.add(tf.mul(yes, m), tf.mul(x, tf.sub(1, m))) as tf.Tensor4D;
  };
  switch (op.kind) {
    case 'crop': {
      const boxes: number[] = [];
      for (let i = 0; i < n; i++) {
        const area = (op.upTo === undefined ? op.share : op.share + rand() * (op.upTo - op.share)) * height * width;
        const ratio = Math.exp(Math.log(3 / 4) + rand() * (Math.log(4 / 3) - Math.log(3 / 4)));
        const h = Math.min(height, Math.sqrt(area / ratio));
        const w = Math.min(width, Math.sqrt(area * ratio));
        const top = rand() * (height - h);
        const left = rand() * (width - w);
        // cropAndResize samples box corners at y1·(H − 1) … y2·(H − 1): the box's pixel centres.
        boxes.push(top / height, left / width, (top + h) / height, (left + w) / width);
      }
      return tf.image.cropAndResize(x, tf.tensor2d(boxes, [n, 4]), tf.range(0, n, 1, 'int32') as tf.Tensor1D, [height, width], 'bilinear');
    }
    case 'flip':
      return select(perItem(op.p), tf.reverse(x, 2) as tf.Tensor4D);
    case 'jitter': {
      const on = perItem(op.p);
      const f = () => 1 + op.strength * 0.8 * (2 * rand() - 1);
      const params = Array.from({ length: n }, () => ({ b: f(), c: f(), s: f(), h: op.strength * 0.2 * (2 * rand() - 1) }));
      let y: tf.Tensor4D = tf.mul(
        x,
        tf.tensor4d(
          params.map((p) => p.b),
          [n, 1, 1, 1],
        ),
      );
      const mean = tf.mean(gray(y), [1, 2, 3], true);
      y = tf.add(
        mean,
        tf.mul(
          tf.sub(y, mean),
          tf.tensor4d(
            params.map((p) => p.c),
            [n, 1, 1, 1],
          ),
        ),
      );
      const g = gray(y);
      y = tf.add(
        g,
        tf.mul(
          tf.sub(y, g),
          tf.tensor4d(
            params.map((p) => p.s),
            [n, 1, 1, 1],
          ),
        ),
      );
      // Hue: a per-item 3×3 colour matrix, out[c] = Σ_k M[c][k] · in[k].
      const m = tf.tensor3d(
        params.flatMap((p) => hueMatrix(p.h)),
        [n, 3, 3],
      );
      y = tf.reshape(tf.matMul(tf.reshape(y, [n, height * width, 3]), m, false, true), [n, height, width, 3]);
      return select(on, tf.clipByValue(y, 0, 1) as tf.Tensor4D);
    }
    case 'gray':
      return select(perItem(op.p), gray(x));
    case 'blur':
      return gaussianBlur(x, op.sigma);
    case 'solarize':
      return tf.where(tf.greaterEqual(x, op.threshold), tf.sub(1, x), x) as tf.Tensor4D;
    case 'rotate': {
      const items = tf.split(x, n, 0) as tf.Tensor4D[];
      return tf.concat(
        items.map((item) => tf.image.rotateWithOffset(item, ((2 * rand() - 1) * op.degrees * Math.PI) / 180, 0)),
        0,
      ) as tf.Tensor4D;
    }
  }
}

/** Applies the ops in order to a batch of RGB images in [0, 1]; the same seed gives the same views. */
export function augmentBatch(x: tf.Tensor4D, ops: AugmentOp[], seed: number): tf.Tensor4D {
  const rand = mulberry32(seed);
  return tf.tidy(() => ops.reduce((y, op) => apply(y, op, rand), x));
}

/** One image → its augmented view, at the same size (0..255, as decoded images are). */
export function augmentImage(img: RgbImage, ops: AugmentOp[], seed: number): RgbImage {
  const out = tf.tidy(() => {
    const x = tf.div(tf.tensor4d(img.data, [1, img.height, img.width, 3]), 255) as tf.Tensor4D;
    return tf.mul(tf.clipByValue(augmentBatch(x, ops, seed), 0, 1), 255);
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return { width: img.width, height: img.height, data: Float32Array.from(data) };
}
