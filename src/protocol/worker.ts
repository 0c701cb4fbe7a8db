/**
 * Messages between the extension host and the worker. Types only: both sides import this file and
 * nothing else of each other. Every request has an id; the worker answers each with exactly one
 * `result` or `error`, and may send `progress` and `partial` messages before it.
 */

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface PreprocessOptions {
  scale?: '0..1' | '-1..1' | '0..255';
  mean?: number[];
  std?: number[];
  channelOrder?: 'rgb' | 'bgr';
  resize?: 'stretch' | 'center-crop' | 'letterbox';
}

export interface MethodOptions {
  steps?: number;
  samples?: number;
  noise?: number;
  window?: number;
  stride?: number;
  baseline?: 'zero' | 'mean' | 'blur';
  seed?: number;
  batchSize?: number;
}

export interface ExplainJob {
  modelPath: string;
  imagePath: string;
  /** One of the core's method names (validated by the worker). */
  method: string;
  layers?: string[];
  target?: 'top' | number;
  output?: string | number;
  params?: MethodOptions;
  /** Overrides of the model's own settings (modellens.json), key by key. */
  preprocess?: PreprocessOptions;
  topK?: number;
}

export interface LayerRow {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
}

export interface ModelSummaryMessage {
  path: string;
  format: string;
  inputs: { name: string; shape: (number | null)[]; dtype: string }[];
  outputs: { name: string; shape: (number | null)[]; dtype: string; softmax: boolean }[];
  layers: LayerRow[];
  totalParams: number;
  preprocessingLayers: string[];
  labels?: string[];
  /** Layers with a 4-D output, in order: the candidates for CAM methods and the preview strip. */
  camLayers: string[];
  defaultLayer?: string;
  /** The backend the worker runs on. */
  backend: string;
}

export interface MapGrid {
  width: number;
  height: number;
  values: Float32Array;
}

export interface ExplainResultMessage {
  method: string;
  layers: string[];
  output: string;
  target: number;
  top: { index: number; score: number; label?: string }[];
  grid: MapGrid;
  /** The display-scaled map at the image's size. */
  image: MapGrid;
  signed: boolean;
  details: Record<string, number>;
  params: Record<string, unknown>;
  /** The image as decoded (RGBA 8-bit) and the preprocessed input as the model sees it (RGBA 8-bit, rescaled for display). */
  picture: { width: number; height: number; rgba: Uint8ClampedArray };
  modelInput: { width: number; height: number; rgba: Uint8ClampedArray };
  timeMs: number;
  backend: string;
}

export interface LayerPreviewMessage {
  layer: string;
  /** Display-scaled Grad-CAM at the layer's resolution. */
  grid: MapGrid;
  /** This layer's place in the strip, and the strip's length. */
  index: number;
  total: number;
}

export interface PairJob {
  modelPath: string;
  imageA: string;
  /** The second view: another file, or an augmentation of the first (`augment`, --augment syntax). */
  imageB?: string;
  augment?: string;
  /** One of the core's pair method names (validated by the worker). */
  method: string;
  embedding?: string;
  layer?: string;
  similarity?: 'cosine' | 'dot' | 'l2';
  params?: {
    window?: number;
    stride?: number;
    samples?: number;
    temperature?: number;
    assign?: 'both' | 'smaller-norm';
    joint?: 'mean' | 'max';
    transform?: 'jitter' | 'blur' | 'gray' | 'solarize';
    seed?: number;
    batchSize?: number;
  };
  metrics?: boolean;
  /** Occlude one window of one view (model-input pixels, top-left corner) before explaining: "what if this patch were gone?". */
  occlude?: { view: 'a' | 'b'; top: number; left: number };
}

export interface PairViewMessage {
  grid: MapGrid;
  /** Display-scaled map at the view image's size. */
  image: MapGrid;
  /** The view as an RGBA picture (the augmented one when made). */
  picture: { width: number; height: number; rgba: Uint8ClampedArray };
  metrics?: { deletion: { curve: number[]; auc: number }; insertion: { curve: number[]; auc: number } };
}

export interface PairResultMessage {
  method: string;
  similarity: string;
  embedding: string;
  layer?: string;
  base: number;
  signed: boolean;
  a: PairViewMessage;
  b: PairViewMessage;
  /** Model-input size, for mapping clicks to windows. */
  inputSize: { width: number; height: number };
  params: Record<string, unknown>;
  timeMs: number;
  backend: string;
}

/** A partial map of one view while an occlusion method runs. */
export interface PairPartialMessage {
  view: 'a' | 'b';
  grid: MapGrid;
}

/** The modelLens.limits.* settings (src/core/limits.ts; unset ones keep their defaults). */
export interface WorkerLimits {
  maxPixels?: number;
  maxModelBytes?: number;
  outSize?: number;
}

export type WorkerRequest =
  | { type: 'configure'; id: number; backend: BackendChoice; tfjsNodePath?: string; wasmDir?: string; limits?: WorkerLimits }
  | { type: 'summary'; id: number; modelPath: string }
  | { type: 'explain'; id: number; job: ExplainJob }
  | { type: 'layerPreview'; id: number; job: ExplainJob }
  | { type: 'pair'; id: number; job: PairJob }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'stats'; id: number };

export type WorkerReply =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; name: string; message: string }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'partial'; id: number; value: unknown };

/** What `stats` answers: for tests and the status bar. */
export interface WorkerStats {
  backend: string;
  numTensors: number;
  cachedModels: number;
  modelLoads: number;
  busy: boolean;
  /** The worker's JavaScript heap in use (after a collection when the process runs with --expose-gc). */
  heapBytes: number;
  /** Size of the wasm backend's memory (it grows and never shrinks), 0 on other backends. */
  wasmBytes: number;
}
