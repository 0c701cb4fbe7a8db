/**
 * The shapes of an evaluation (`model-lens evaluate`, core/metrics/evaluate-run.ts): pure types, shared
 * with the worker protocol (a worker evaluates a piece of a folder).
 */
import type { MethodName } from '../explain/specs';

/** What to evaluate: a model, an image or a folder, the methods. */
export interface EvaluateJob {
  model: string;
  /** An image or a folder. */
  target: string;
  methods: MethodName[];
  boxesFile?: string;
  /** Adds the cascading-randomisation sanity check per method. */
  sanity?: boolean;
}

export interface MethodMetrics {
  method: MethodName;
  deletionAuc: number;
  insertionAuc: number;
  /** Pointing game hit (null without a box for the image). */
  pointing: boolean | null;
  /** Share of the map's positive mass inside the box (null without a box). */
  energyPointing: number | null;
  randomDeletionAuc: number;
  randomInsertionAuc: number;
  /** What a random map scores in both pointing games: the box's share of the image (null without a box). */
  randomPointing: number | null;
  /** With --sanity: the rank correlation with the original map after each layer is randomised, top down, cumulatively. */
  sanity?: SanityStep[];
}

export interface SanityStep {
  /** The layer randomised last (every layer above it is random too). */
  layer: string;
  /** Spearman's correlation of the map with the original (|map| for signed methods); null when a map is constant. */
  rankCorrelation: number | null;
}

export interface MethodMeans {
  deletionAuc: number;
  insertionAuc: number;
  /** Hit rate over the images with a box (null: none had one). */
  pointing: number | null;
  energyPointing: number | null;
  randomDeletionAuc: number;
  randomInsertionAuc: number;
  randomPointing: number | null;
  /** The mean rank correlation per randomised layer (with --sanity). */
  sanity?: SanityStep[];
}

export interface EvaluateResult {
  model: string;
  /** What the curves score: "probability" or "output" (a single raw logit). */
  score: 'probability' | 'output';
  images: { image: string; target: number; methods: MethodMetrics[] }[];
  means: Record<string, MethodMeans>;
}

/** What a piece of an evaluation computes: the images' records and what their curves score. */
export type EvaluatedImages = Pick<EvaluateResult, 'score' | 'images'>;
