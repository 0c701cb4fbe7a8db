// The plain data of a folder job's image (TensorFlow.js-free: the worker protocol and the pool name these types).
import type { ColormapName, PreprocessSpec } from '../image/specs';
import type { MethodName, MethodParams } from './specs';
import type { SplitRecord } from './split';

/**
 * One image of a folder job (`model-lens explain <model> <folder>`), the same wherever it runs: in the
 * command's own thread or in a pool worker (src/pool/). Everything in and out is plain data, so a
 * worker can be handed a `FileJob` and give back a `FileResult`; writing the files and the cache is
 * the caller's.
 */
export interface FileJob {
  modelPath: string;
  method: MethodName;
  layers?: string[];
  target: 'top' | number;
  output?: string | number;
  params: Partial<MethodParams>;
  /** The preprocessing the command's flags and preset give, highest first (resolvePreprocess's `over`). */
  preprocess: { source: string; values: Partial<PreprocessSpec> }[];
  colormap?: ColormapName;
  opacity: number;
  colorbar: boolean;
  topK: number;
  /** Render the overlay PNG and the map JSON (a folder job writes both). */
  files: boolean;
  /** Occlusion's passes through onnxruntime-node (engine/forward-engine.ts) instead of TensorFlow.js. */
  forwardEngine?: 'onnxruntime-node';
}

/** What one image gives: the `--json` record, the summary.csv row, the line printed, and the files' contents. */
export interface FileResult {
  image: string;
  record: Record<string, unknown>;
  row: (string | number)[];
  notes: string[];
  line: string;
  overlayPng?: Uint8Array;
  mapJson?: string;
  /** A share's run on a pool (split.share): what its loops computed; the rest of the result is empty. */
  split?: SplitRecord[];
}

export const SUMMARY_HEADER = ['image', 'top_class', 'top_label', 'score', 'method', 'time_ms', 'score_kind'];
