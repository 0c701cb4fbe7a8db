import type * as tf from '@tensorflow/tfjs-core';
import type { Attribution, Grid, Progress } from '../types';
import type { BatchSplit } from '../split';
import type { EmbeddingView, Similarity } from './embedding';

export { isPairMethod, PAIR_METHODS, TRANSFORMS, type PairMethodName, type TransformName } from './specs';
import { JOINTS, TRANSFORMS, type Assign, type Joint, type TransformName } from './specs';

/** Every knob of the pair methods (EXPLAIN.md, self-supervised section). */
export interface PairParams {
  /** Occlusion window and stride in input pixels; undefined = 64 and 8 at 224 px, scaled with the input. */
  window?: number;
  stride?: number;
  /** Pairwise occlusion trials (n). */
  samples: number;
  /**
   * Pairwise occlusion's softmax temperature: w = softmax(d / temperature). 1 is EXPLAIN.md's
   * definition. Cosine drops differ by at most 2, so at 1 the weights differ by at most e² — an
   * encoder trained with NT-Xent at temperature τ compares similarities in units of τ.
   */
  temperature: number;
  /** Pairwise occlusion: each trial's weight goes to both views (EXPLAIN.md), or only to the view whose erased embedding has the smaller norm (the reference code). */
  assign?: Assign;
  /** Interaction-CAM's joint channel weight: GAP(F₁) ⊙ GAP(F₂) (mean) or global max pooling (max). */
  joint: Joint;
  /** Averaged transforms: the transform T. */
  transform: TransformName;
  seed: number;
  /** Forward (or forward + backward) passes per batch. */
  batchSize: number;
}

export const DEFAULT_PAIR_PARAMS: Omit<PairParams, 'batchSize'> = { samples: 100, temperature: 1, joint: JOINTS[0], transform: TRANSFORMS[0], seed: 0 };

export type View = 'a' | 'b';

/** What every pair method receives: the encoder's embedding view and the two preprocessed views, [1, H, W, C]. */
export interface PairContext {
  model: EmbeddingView;
  a: tf.Tensor4D;
  b: tf.Tensor4D;
  similarity: Similarity;
  /** Interaction-CAM's feature layer (4-D). */
  layer: string;
  params: PairParams;
  /** Averaged transforms: T(a) and T(b), preprocessed like a and b. */
  transformed?: { a: tf.Tensor4D; b: tf.Tensor4D };
  onProgress?: Progress;
  /** A view's map so far (occlusion methods, between batches). */
  onPartial?: (view: View, grid: Grid) => void;
  signal?: AbortSignal;
  /** On a pool: this worker's share of the method's loops, or every share's values to replay (core/explain/split.ts). */
  split?: BatchSplit;
}

export interface PairAttribution {
  a: Attribution;
  b: Attribution;
  /** b = sim(e(x₁), e(x₂)). */
  base: number;
  details?: Record<string, number>;
}

export type PairMethod = (ctx: PairContext) => Promise<PairAttribution>;
