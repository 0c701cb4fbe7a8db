/**
 * Messages between the extension host and the worker: types and one helper (transferables). Both
 * sides import this file and nothing else of each other; it imports nothing but types from the pure spec modules (the names of
 * methods and options are declared there once). Every request has an id; the worker answers each with exactly one
 * `result` or `error`, and may send `progress` and `partial` messages before it.
 */

import type { Assign, Joint, Similarity, TransformName } from '../core/explain/pair/specs';
import type { Baseline, LrpRule } from '../core/explain/specs';
import type { ScoreKind } from '../core/explain/scores';
import type { ColormapName, PreprocessKey, PreprocessSpec } from '../core/image/specs';
import type { FileJob, FileResult } from '../core/explain/file-job';
import type { BatchSplit, SplitRecord } from '../core/explain/split';
import type { SprayMapsJob } from '../core/spray/maps-job';
import type { EvaluatedImages, EvaluateJob } from '../core/metrics/types';
import type { ComparedImages, CompareJobSpec, CompareResult } from '../core/distill/compare-types';
import type { ImagePoints, KnowledgePlan, KnowledgePointsJob } from '../core/distill/knowledge-types';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export type PreprocessOptions = Partial<PreprocessSpec>;

/** A resolved preprocessing (core/model/model-config.ts resolvePreprocess). */
export interface ResolvedPreprocessMessage {
  spec: PreprocessSpec;
  sources: Record<PreprocessKey, string>;
  modelScaling?: string;
}

export interface MethodOptions {
  steps?: number;
  samples?: number;
  noise?: number;
  window?: number;
  stride?: number;
  baseline?: Baseline;
  seed?: number;
  batchSize?: number;
  lrpRule?: LrpRule;
  epsilon?: number;
  lrpAlpha?: number;
  lrpBeta?: number;
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
  /** On a pool (src/pool/split.ts): this worker's share of a batched method's loop, or every share's values to finish with. */
  split?: BatchSplit;
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
  /** `declaredShape`: an NCHW input as the file declares it (`shape` is the NHWC layout fed). */
  inputs: { name: string; shape: (number | null)[]; dtype: string; declaredShape?: (number | null)[] }[];
  outputs: { name: string; shape: (number | null)[]; dtype: string; softmax: boolean }[];
  layers: LayerRow[];
  totalParams: number;
  preprocessingLayers: string[];
  labels?: string[];
  /** The model's preprocessing before the panel changes anything: each setting and where it came from. */
  preprocess: ResolvedPreprocessMessage;
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
  /** The preprocessing used, each setting with where it came from. */
  preprocess: ResolvedPreprocessMessage;
  /** What preprocessing did that a user should know (a changed aspect ratio, gray, inverted, the model's own scaling). */
  notes: string[];
  /** What the scores are (core/explain/scores.ts), and the output's unit count. */
  scoreKind: ScoreKind;
  units: number;
  top: { index: number; score: number; probability: number; label?: string }[];
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
  /** A share's run on a pool: what its loops computed (the rest is the share's own, meaningless, result). */
  split?: SplitRecord[];
}

/** What Export PNG needs: the image (decoded as the explain job did, for this model), its display map, the look. */
export interface ExportJob {
  modelPath: string;
  imagePath: string;
  /** The display map at the image's size, as the explain result sent it. */
  map: MapGrid;
  signed: boolean;
  colormap: ColormapName;
  opacity: number;
  /** Long side; default: the image's, at least 512 and at most the outSize limit. */
  size?: number;
  colorbar?: boolean;
}

export interface EstimateMessage {
  passes: number;
  backward: boolean;
  /** "55×55 windows (window 8, stride 4)", "25 samples", … */
  what: string;
  /** One image's forward pass, measured on this model and backend in a batch of the size the job will use (up to 16). */
  msPerPass: number;
  seconds: number;
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
  similarity?: Similarity;
  params?: {
    window?: number;
    stride?: number;
    samples?: number;
    temperature?: number;
    assign?: Assign;
    joint?: Joint;
    transform?: TransformName;
    seed?: number;
    batchSize?: number;
  };
  metrics?: boolean;
  /** Occlude one window of one view (model-input pixels, top-left corner) before explaining: "what if this patch were gone?". */
  occlude?: { view: 'a' | 'b'; top: number; left: number };
  /** The preprocessing (the command line's flags); default: the model's settings. */
  preprocess?: PreprocessSpec;
  /** On a pool (src/pool/split.ts): this worker's share of the method's loops, or every share's values to replay. */
  split?: BatchSplit;
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
  /** With a `split` share: what this share's loops computed (the maps are then meaningless). */
  split?: SplitRecord[];
}

/** A partial map of one view while an occlusion method runs. */
export interface PairPartialMessage {
  view: 'a' | 'b';
  grid: MapGrid;
}

/** Compare two or more models on an image or a folder (core/distill/compare-run.ts, as `model-lens compare`). */
export interface CompareJob extends CompareJobSpec {
  /** With a single image: each model's overlay as `compare --out` writes it (PNG bytes). */
  overlays?: boolean;
}

export interface CompareResultMessage {
  /** The `--json` object of `model-lens compare`. */
  result: CompareResult;
  images: number;
  /** Per model, in model order (with `overlays`, for the first image). */
  overlays?: { png: Uint8Array; probability: number; scoreKind: ScoreKind; units: number }[];
}

/** The metrics of one explanation (the model panel's Metrics section; core/metrics/evaluate-run.ts metricsOf). */
export interface MetricsJob extends ExplainJob {
  /** Adds the cascading-randomisation sanity check. */
  sanity?: boolean;
  /** A boxes file (the image found by its file name): the pointing games. */
  boxesFile?: string;
}

export interface MetricsMessage {
  method: string;
  target: number;
  /** What the curves score: the target's probability, or a single logit's raw output. */
  score: 'probability' | 'output';
  deletionAuc: number;
  insertionAuc: number;
  randomDeletionAuc: number;
  randomInsertionAuc: number;
  /** The curves, 5 % of the pixels per step. */
  deletion: number[];
  insertion: number[];
  pointing: boolean | null;
  energyPointing: number | null;
  randomPointing: number | null;
  sanity?: { layer: string; rankCorrelation: number | null }[];
}

/** SpRAy over a folder (core/spray/spray-run.ts, as `model-lens spray`). */
export interface SprayJob {
  model: string;
  folder: string;
  /** A class index or one of the model's labels. */
  classArg: string;
  method: string;
  grid: number;
  neighbours: number;
  /** undefined: the eigengap's choice. */
  clusters?: number;
  embedding: 'umap' | 'tsne';
  seed: number;
  /** The maps of every image below the folder, in listing order, computed by the pool (sprayMaps); default: computed by this job. */
  maps?: Float32Array[];
}

/** The `--json` object of `model-lens spray` (mean maps as typed arrays). */
export interface SprayResultMessage {
  class: number;
  label?: string;
  method: string;
  clusters: number;
  eigenvalues: number[];
  images: { image: string; cluster: number; x: number; y: number }[];
  groups: { cluster: number; size: number; meanMap: MapGrid }[];
  /** Whether the method's maps are signed (the mean maps' colours). */
  signed: boolean;
}

/** Knowledge points of one model (core/distill/knowledge-run.ts, as `model-lens knowledge`). */
export interface KnowledgeJob {
  model: string;
  target: string;
  boxesFile: string;
  layer?: string;
  checkpoints?: string;
  steps?: number;
  samples?: number;
  maxImages?: number;
  /** Each model file's points (knowledgePlan's `models`), found by the pool; default: found by this job. */
  points?: Record<string, ImagePoints>;
}

export interface KnowledgeResultMessage {
  model: string;
  layer: string;
  steps: number;
  samples: number;
  images: { image: string; nFg: number; nBg: number; lambdaFg: number | null; meanEntropyBg: number; grid: number[]; points: [number, number][] }[];
  checkpoints?: { path: string; nFg: number; nBg: number }[];
  dMean?: number;
  dStd?: number;
  rho?: number;
}

/** Train a student (core/distill/trainer.ts, as `model-lens distill`); runs in the extension's training worker. */
export interface DistillJob {
  teachers: string[];
  student: string;
  data: string;
  valSplit?: number;
  loss: Record<string, number>;
  temperature: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  schedule?: { period: number; duty: number };
  assistants?: string[];
  augment?: string;
  logdir: string;
  runName?: string;
  seed: number;
}

export interface DistillResultMessage {
  student: string;
  epochs: number;
  valAccuracy: number;
  trainAccuracy: number;
  logdir: string;
  terms: string[];
  pairs: [string, string][];
  chain: string[];
}

/** Sent after each epoch: its checkpoint. */
export interface DistillEpochMessage {
  epoch: number;
  trainAccuracy: number;
  valAccuracy: number;
  checkpoint: string;
}

/** The modelLens.limits.* settings (src/core/limits.ts; unset ones keep their defaults). */
export interface WorkerLimits {
  maxPixels?: number;
  maxModelBytes?: number;
  outSize?: number;
}

/** What a new worker is sent first: the backend and where its files are, and the limits. */
export interface ConfigureParams {
  backend: BackendChoice;
  tfjsNodePath?: string;
  wasmDir?: string;
  limits?: WorkerLimits;
}

/**
 * Every request the worker answers: its parameters, its result, and what it sends as partial
 * results while it runs (never: none). `WorkerClient.request('explain', job)` is typed by this map,
 * and the worker dispatches through a handler table of the same keys.
 */
export interface WorkerCalls {
  configure: { params: ConfigureParams; result: string; partial: never };
  summary: { params: { modelPath: string }; result: ModelSummaryMessage; partial: never };
  explain: { params: ExplainJob; result: ExplainResultMessage; partial: never };
  /** One image of a folder job (`model-lens explain <model> <folder>` with a pool): core/explain/explain-file.ts. */
  explainFile: { params: { job: FileJob; file: string; split?: BatchSplit }; result: FileResult; partial: never };
  /** The overlay to save (core/image/export.ts, as the CLI's --out): PNG bytes. */
  exportPng: { params: ExportJob; result: Uint8Array; partial: never };
  /** How long an explain job would take: its passes and the time of one forward pass on this model. */
  estimate: { params: ExplainJob; result: EstimateMessage; partial: never };
  layerPreview: { params: ExplainJob; result: number; partial: LayerPreviewMessage };
  pair: { params: PairJob; result: PairResultMessage; partial: PairPartialMessage };
  compare: { params: CompareJob; result: CompareResultMessage; partial: never };
  knowledge: { params: KnowledgeJob; result: KnowledgeResultMessage; partial: never };
  spray: { params: SprayJob; result: SprayResultMessage; partial: never };
  /** The maps of a piece of a SpRAy job's folder (the command line's pool): core/spray/spray-run.ts sprayMapsOf. */
  sprayMaps: { params: SprayMapsJob; result: Float32Array[]; partial: never };
  /** The class index a SpRAy job's class argument names in its model (before the pool computes the maps). */
  sprayClass: { params: { model: string; classArg: string }; result: number; partial: never };
  /** The image files of a file or folder as the folder jobs list them (core/image/image-list.ts), off the host's thread. */
  imageFiles: { params: { target: string; recursive?: boolean }; result: string[]; partial: never };
  /** The records of a piece of an evaluation's folder (the command line's pool): core/metrics/evaluate-run.ts evaluateImages. */
  evaluateImages: { params: { job: EvaluateJob; pick: number[] }; result: EvaluatedImages; partial: never };
  /**
   * A piece of a comparison's folder (the command line's pool): core/distill/compare-run.ts compareImagesOf;
   * with `overlays`, each image's overlay per model as `compare --out` writes it (PNG bytes).
   */
  compareImages: {
    params: { job: CompareJobSpec; pick: number[]; overlays?: boolean };
    result: ComparedImages & { overlays?: Uint8Array[][] };
    partial: never;
  };
  /** A piece of a knowledge job (the command line's pool): core/distill/knowledge-run.ts knowledgePointsOf. */
  knowledgePoints: { params: KnowledgePointsJob; result: ImagePoints; partial: never };
  /** What a knowledge job finds points for, so that the pool can find them (core/distill/knowledge-run.ts knowledgePlan). */
  knowledgePlan: { params: KnowledgeJob; result: KnowledgePlan; partial: never };
  metrics: { params: MetricsJob; result: MetricsMessage; partial: never };
  distill: { params: DistillJob; result: DistillResultMessage; partial: DistillEpochMessage };
  /** Answered at once, even while a job runs. */
  stats: { params: Record<string, never>; result: WorkerStats; partial: never };
}
export type CallType = keyof WorkerCalls;
export type CallParams<K extends CallType> = WorkerCalls[K]['params'];
export type CallResult<K extends CallType> = WorkerCalls[K]['result'];
export type CallPartial<K extends CallType> = WorkerCalls[K]['partial'];

export type WorkerRequest = { [K in CallType]: { type: K; id: number; params: CallParams<K> } }[CallType] | { type: 'cancel'; id: number; target: number };

export type WorkerReply =
  | { type: 'result'; id: number; value: CallResult<CallType> | boolean }
  /** `message`: one sentence of ours; `detail`: the underlying library's text, for the output channel only. */
  | { type: 'error'; id: number; name: string; message: string; detail?: string }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'partial'; id: number; value: CallPartial<CallType> };

/**
 * The buffers of every typed array in a message, each once: what postMessage transfers instead of
 * copying (maps and pictures). Both sides use it; the arrays are unusable by the sender afterwards.
 */
export function transferables(value: unknown, out = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) out.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object') transferables(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) if (v !== null && typeof v === 'object') transferables(v, out);
  }
  return [...out];
}

/** What `stats` answers: for tests and the status bar. */
export interface WorkerStats {
  /** The worker thread's id (node:worker_threads): the same id means the same thread, not restarted. */
  threadId: number;
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
