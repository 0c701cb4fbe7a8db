/**
 * The shapes of knowledge points (core/distill/knowledge.ts, knowledge-run.ts): pure types, shared with the
 * worker protocol (a worker finds the points of a piece of a folder).
 */

export interface KnowledgeParams {
  steps: number;
  /** Noise samples per step. */
  samples: number;
  lambda: number;
  b: number;
  lr: number;
  seed: number;
}

/** A box in the model input's pixels. */
export interface InputBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface KnowledgeResult {
  /** Entropy H per cell of the 16×16 grid, row-major. */
  entropy: Float32Array;
  /** Knowledge points, [row, col]. */
  points: [number, number][];
  nFg: number;
  nBg: number;
  /** N_fg / (N_fg + N_bg); null without points. */
  lambdaFg: number | null;
  meanEntropyBg: number;
}

/** An image with a box, in the image file's pixels. */
export interface BoxedImage {
  file: string;
  name: string;
  box: { x: number; y: number; width: number; height: number };
  width: number;
  height: number;
}

/** A piece of a knowledge job: the points of `images` in the model (or checkpoint) `model` at `layer`. */
export interface KnowledgePointsJob {
  model: string;
  layer: string;
  images: BoxedImage[];
  params: KnowledgeParams;
}

/** Each image's points, in the job's order. */
export type ImagePoints = { name: string; result: KnowledgeResult }[];

/** What a knowledge job finds points for (knowledge-run.ts knowledgePlan): the model and each checkpoint that is not it. */
export interface KnowledgePlan {
  layer: string;
  params: KnowledgeParams;
  images: BoxedImage[];
  /** Model files, by the path their points are asked for. */
  models: string[];
}
