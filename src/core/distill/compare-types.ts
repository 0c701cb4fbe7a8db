/**
 * The shapes of a comparison (`model-lens compare`, core/distill/compare.ts): pure types, shared with the
 * worker protocol (a worker compares the models on a piece of a folder).
 */

/** The `--json` object of `model-lens compare`. */
export interface CompareResult {
  models: { path: string; accuracy: number | null; agreement: number | null; kl: number | null; pointing: number | null }[];
  pairs: { a: string; b: string; rankCorrelation: number | null; iouTop20: number | null; cosine: number | null }[];
  images: { image: string; predictions: { model: string; index: number; label: string | null; score: number }[]; disagreement: number }[];
}

/** What one image adds to a comparison (compareImage): its row, and its values for each model's and each pair's means. */
export interface ImageComparison {
  row: CompareResult['images'][number];
  /** Sorts rows of equal disagreement: 1 − the mean rank correlation of the maps. */
  tie: number;
  /** Per model: correct (with a truth), agreement and KL with the first model (not for the first), pointing hit (with a box); 1/0 for hits. */
  models: { correct?: number; agree?: number; kl?: number; pointing?: number }[];
  /** Per pair of models (i < j, in order): rank correlation, top-20 % IoU and cosine of the maps. */
  pairs: { rc: number | null; iou: number | null; cos: number | null }[];
}

/** What to compare, as the command line and the compare panel name it. */
export interface CompareJobSpec {
  models: string[];
  /** An image or a folder (class sub-folders give the truth). */
  target: string;
  method: string;
  /** One per model, in model order (fewer: the rest take their default CAM layer). */
  layers?: (string | undefined)[];
  /** labels.txt-style: line i names class i (for models without labels of their own). */
  labelsFile?: string;
  boxesFile?: string;
}

/** What a piece of a comparison computes: the models' paths as loaded, and its images' contributions in order. */
export interface ComparedImages {
  paths: string[];
  images: ImageComparison[];
}
