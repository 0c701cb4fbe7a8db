import type * as tf from '@tensorflow/tfjs-core';
import type { InspectableModel } from '../model/types';
import type { BatchSplit } from './batching';
import type { ForwardEngine } from '../engine/forward-engine';

export { BASELINES, DEFAULT_PARAMS, isMethod, METHODS, type Baseline, type MethodName, type MethodParams } from './specs';

export type { ScoreFn } from '../model/types';
import type { ScoreFn } from '../model/types';
import type { MethodParams } from './specs';

export type Progress = (done: number, total: number) => void;

/** What every method receives. `input` is one preprocessed image, [1, H, W, C]. */
export interface ExplainContext {
  model: InspectableModel;
  input: tf.Tensor4D;
  score: ScoreFn;
  /** Target layers (CAM methods); at least one. */
  layers: string[];
  params: MethodParams;
  onProgress?: Progress;
  signal?: AbortSignal;
  /** The lowest and highest value the preprocessing gives each input channel (LRP's bounded rule); absent: unknown. */
  inputBounds?: { low: number[]; high: number[] };
  /** On a pool: this worker's share of the batched loops, or every share's values to finish with (batching.ts). */
  split?: BatchSplit;
  /** A faster engine for forward-only passes (occlusion's), where one was chosen; default: the model's own forward. */
  forward?: ForwardEngine;
}

/** A raw map, row-major, not display-scaled. */
export interface Grid {
  width: number;
  height: number;
  values: Float32Array;
}

export interface Attribution {
  grid: Grid;
  /** When the grid is not a picture of the input (occlusion: one value per window), the map at the input's resolution. */
  pixelMap?: Grid;
  /** Signed maps are shown with a diverging colormap, symmetric around 0. */
  signed: boolean;
  /** Extra numbers a method reports (e.g. IG's completeness gap). */
  details?: Record<string, number>;
}

export type ExplainMethod = (ctx: ExplainContext) => Promise<Attribution>;
