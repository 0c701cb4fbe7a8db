import type { Similarity } from '../../../src/core/explain/pair/embedding';
import { withDefaults } from '../../../src/core/explain/params';
import { explainPair, type PairOptions, type PairResult } from '../../../src/core/explain/pair/explain-pair';
import { PAIR_METHODS, type PairMethodName } from '../../../src/core/explain/pair/types';
import { augmentImage, type AugmentOp } from '../../../src/core/image/augment';
import { readImage, type RgbImage } from '../../../src/core/image/decode';
import { DEFAULT_PREPROCESS } from '../../../src/core/image/preprocess';
import type { InspectableModel } from '../../../src/core/model/types';
import { energyInBox, type Box } from '../../../src/core/metrics/pointing-game';
import { demoImages, type DemoImage } from './demo-files';
import * as path from 'node:path';

/** The two views of a demo test image: colour-jittered, and flipped and colour-jittered (boxes follow the flip). */
export const VIEW_A: AugmentOp[] = [{ kind: 'jitter', strength: 0.4 }];
export const VIEW_B: AugmentOp[] = [{ kind: 'flip' }, { kind: 'jitter', strength: 0.4 }];

export function flipBox(b: Box, width: number): Box {
  return { ...b, x: width - b.x - b.width };
}

/** What one method is evaluated with: the similarity, the embedding (default: the encoder's output) and the occlusion window. */
export interface PairEvalSetting {
  similarity: Similarity;
  embedding?: string;
  window: number;
  stride: number;
  /** Pairwise occlusion's softmax temperature. */
  temperature?: number;
  assign?: 'both' | 'smaller-norm';
}

/**
 * Per method, the settings of the evaluation, the same for the trained and the random encoder.
 * Occlusion windows are 8 px at stride 2 (EXPLAIN.md's default, 18 px on 64-px inputs, is wider than
 * half the objects).
 */
const COSINE: PairEvalSetting = { similarity: 'cosine', window: 8, stride: 2 };
export const EVAL_SETTINGS: Record<PairMethodName, PairEvalSetting> = {
  conditional: COSINE,
  'context-agnostic': COSINE,
  // The reference code's credit rule (EXPLAIN.md's, crediting both views, is printed as a variant).
  pairwise: { ...COSINE, assign: 'smaller-norm' },
  'interaction-cam': COSINE,
  'averaged-transforms': COSINE,
};

/** explainPair's options for a setting (100 pairwise trials). */
export function pairOptions(method: PairMethodName, s: PairEvalSetting): PairOptions {
  const { similarity, embedding, window, stride, temperature, assign } = s;
  return {
    method,
    similarity,
    embedding,
    preprocess: DEFAULT_PREPROCESS,
    params: { samples: 100, window, stride, ...(temperature ? { temperature } : {}), ...(assign ? { assign } : {}) },
  };
}

/** Other settings `npm run eval:pair` prints below the table, for comparison. */
export const EVAL_VARIANTS: { method: PairMethodName; setting: PairEvalSetting; note: string }[] = [
  { method: 'pairwise', setting: { ...EVAL_SETTINGS.pairwise, assign: 'both' }, note: 'EXPLAIN.md: every trial credits both views' },
  { method: 'pairwise', setting: { ...EVAL_SETTINGS.pairwise, temperature: 0.2 }, note: "softmax at the encoder's NT-Xent temperature" },
];

export function describeSetting(s: PairEvalSetting, method: PairMethodName): string {
  const windowed = method === 'conditional' || method === 'context-agnostic';
  const pairwise = method === 'pairwise' ? ` · T ${s.temperature ?? 1} · ${s.assign ?? 'both'}` : '';
  return `${s.similarity} · ${s.embedding ?? 'output'}${windowed ? ` · ${s.window}/${s.stride} px` : ''}${pairwise}`;
}

export interface PairEvaluation {
  method: PairMethodName;
  setting: PairEvalSetting;
  images: number;
  /** Mean share of map mass inside the object box, over both views of every image. */
  massInBox: number;
}

export async function demoViews(img: DemoImage, index: number): Promise<{ a: RgbImage; b: RgbImage; boxA: Box; boxB: Box }> {
  const image = await readImage(path.join(demoImages().dir, 'images', img.file));
  return { a: augmentImage(image, VIEW_A, 2 * index), b: augmentImage(image, VIEW_B, 2 * index + 1), boxA: img.box, boxB: flipBox(img.box, image.width) };
}

/**
 * Per method: the mean share of map mass in the object box, on the first `limit` clean demo test
 * images; `override` replaces the methods' settings (EVAL_SETTINGS) where given.
 */
export async function evaluatePairs(
  model: InspectableModel,
  methods: readonly PairMethodName[] = PAIR_METHODS,
  override: Partial<PairEvalSetting> = {},
  onResult?: (img: DemoImage, r: PairResult) => void,
  limit = Infinity,
): Promise<PairEvaluation[]> {
  const images = demoImages()
    .images.filter((i) => !i.watermark)
    .slice(0, limit);
  const out: PairEvaluation[] = [];
  for (const method of methods) {
    const setting = withDefaults(EVAL_SETTINGS[method], override);
    let sum = 0;
    for (const [i, img] of images.entries()) {
      const v = await demoViews(img, i);
      const r = await explainPair(model, v.a, v.b, pairOptions(method, setting));
      // EXPLAIN.md's energy pointing game: for signed maps (conditional, context-agnostic) only what raises the similarity counts.
      sum += energyInBox(r.a.image.values, r.a.image.width, v.boxA) + energyInBox(r.b.image.values, r.b.image.width, v.boxB);
      onResult?.(img, r);
    }
    out.push({ method, setting, images: images.length, massInBox: sum / (2 * images.length) });
  }
  return out;
}

/** The boxes' mean share of the image area: what a map spread evenly would score. */
export function boxAreaShare(): number {
  const images = demoImages().images.filter((i) => !i.watermark);
  return images.reduce((s, i) => s + (i.box.width * i.box.height) / (64 * 64), 0) / images.length;
}
