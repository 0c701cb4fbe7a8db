import type { LrpGraph } from './lrp-graph';
import type * as tf from '@tensorflow/tfjs-core';

export type Dim = number | null;

export interface TensorSpec {
  /** An input the file declares channels-first (NCHW), as it declares it; `shape` is the NHWC layout Model Lens feeds. */
  declaredShape?: Dim[];
  name: string;
  shape: Dim[];
  dtype: string;
}

export interface LayerInfo {
  name: string;
  /** Keras class name for layers models, the op for graph models. */
  type: string;
  /** Output shape with the batch dimension (null where free). */
  outputShape: Dim[];
  params: number;
  /** Names of the layers feeding this one. */
  inbound: string[];
}

export type ModelFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx' | 'keras';

/** Scores one per batch row ([B]) from the model's outputs; any scalar function of the outputs will do. */
export type ScoreFn = (outputs: tf.Tensor[]) => tf.Tensor1D;

export interface ForwardResult {
  /** Model outputs, in the order of `outputs` (logits: a final softmax is skipped when asked). */
  outputs: tf.Tensor[];
  /** Activations of the tapped layers, in the order asked. */
  taps: tf.Tensor[];
}

export interface ForwardOptions {
  /** Layer names whose outputs to return as well. */
  taps?: string[];
  /** Skip a final softmax so that scores are logits (EXPLAIN.md). Default true. */
  logits?: boolean;
  /** Compute the model's outputs (default true); false: only the taps, and only the part of the graph they need (`outputs` is then empty). */
  outputs?: boolean;
  /** Replace each named layer's output with this tensor (split the model at a layer). */
  feeds?: Map<string, tf.Tensor>;
}

/** An output's last operation, looking through Identity nodes. */
export type OutputEnd = 'softmax' | 'log-softmax' | 'sigmoid' | 'other';

/** One interface over every model format: what the explainers and the UI need. */
export interface InspectableModel {
  readonly path: string;
  readonly format: ModelFormat;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly layers: LayerInfo[];
  readonly totalParams: number;
  /** Layers that rescale or normalise inside the model (Rescaling, Normalization), for the summary. */
  readonly preprocessingLayers: string[];
  /** Why the model takes 0..255 pixels when it rescales its own input (input-scaling.ts), else undefined. */
  readonly selfScaling?: string;
  /** Whether an output ends in a softmax (so that logits are read before it). */
  readonly softmaxOutputs: boolean[];
  /** What each output's last operation is (softmax, log-softmax, sigmoid, or something else): what its scores mean. */
  readonly outputEnds: OutputEnd[];
  /** Runs the model on a batch (NHWC for images). Callers own the returned tensors. */
  /** What a user should know before trusting the model's output (non-finite weights, outputs that cannot be computed). */
  readonly warnings: string[];
  /** The model's weights by name (float ones are checked for NaN and infinities at load). */
  weightTensors(): [string, tf.Tensor][];
  forward(x: tf.Tensor, opts?: ForwardOptions): ForwardResult;
  /** Activation A of a layer and ∂(Σ_batch score)/∂A, both [B, …]; the caller owns them. */
  layerGradient(x: tf.Tensor, layer: string, score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor };
  /** The same for several layers (one backward pass where the format allows); the caller owns them. */
  layerGradients(x: tf.Tensor, layers: string[], score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor }[];
  /** The model as the graph LRP walks (its own copies of the weights: dispose it), for inputs like `x`; absent when the format gives no layer types. */
  lrpGraph?(x?: tf.Tensor): LrpGraph;
  dispose(): void;
}
