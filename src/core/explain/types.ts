import type * as tf from '@tensorflow/tfjs-core';
import type { InspectableModel } from '../model/types';

export const METHODS = [
  'gradcam',
  'gradcam++',
  'xgradcam',
  'hirescam',
  'layercam',
  'scorecam',
  'ablationcam',
  'eigencam',
  'guided-gradcam',
  'saliency',
  'gradxinput',
  'smoothgrad',
  'ig',
  'occlusion',
] as const;
export type MethodName = (typeof METHODS)[number];

export function isMethod(name: string): name is MethodName {
  return (METHODS as readonly string[]).includes(name);
}

export type { ScoreFn } from '../model/types';
import type { ScoreFn } from '../model/types';

export type Baseline = 'zero' | 'mean' | 'blur';

/** Every knob of every method; each method reads the ones it needs (Captum-style one vocabulary). */
export interface MethodParams {
  /** Integrated Gradients steps (m). */
  steps: number;
  /** SmoothGrad samples (n). */
  samples: number;
  /** SmoothGrad noise as a share of the input's range (σ = noise·(max − min)). */
  noise: number;
  /** Occlusion window and stride in input pixels; undefined = the EXPLAIN.md defaults. */
  window?: number;
  stride?: number;
  baseline: Baseline;
  seed: number;
  /** Forward/backward passes per batch for perturbation and noise methods. */
  batchSize: number;
}

export const DEFAULT_PARAMS: Omit<MethodParams, 'batchSize'> = { steps: 50, samples: 25, noise: 0.15, baseline: 'zero', seed: 0 };

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
