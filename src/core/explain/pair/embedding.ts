import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../errors';
import { layerActivationAndGradient } from '../../model/gradient';
import type { ForwardOptions, ForwardResult, InspectableModel, LayerInfo, ScoreFn, TensorSpec } from '../../model/types';

import type { Similarity } from './specs';

export { SIMILARITIES, type Similarity } from './specs';

/**
 * An encoder seen through one embedding: a model whose single output is e(x), [B, D] — a chosen
 * output or layer of the wrapped model, global-average-pooled when 4-D, flattened otherwise. Every
 * core method works on it unchanged (EXPLAIN.md: the pair target is "any scalar function of the outputs").
 */
export class EmbeddingView implements InspectableModel {
  readonly format;
  readonly path: string;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly layers: LayerInfo[];
  readonly totalParams: number;
  readonly preprocessingLayers: string[];
  readonly softmaxOutputs = [false];
  readonly outputEnds = ['other' as const];
  /** What e reads: an output index or a layer name. */
  readonly source: { output: number } | { layer: string };

  constructor(
    readonly model: InspectableModel,
    embedding?: string,
  ) {
    this.format = model.format;
    this.path = model.path;
    this.inputs = model.inputs;
    this.layers = model.layers;
    this.totalParams = model.totalParams;
    this.preprocessingLayers = model.preprocessingLayers;
    if (embedding === undefined) {
      this.source = { output: 0 };
    } else {
      const out = model.outputs.findIndex((o) => o.name === embedding || o.name.replace(/:\d+$/, '') === embedding);
      if (out >= 0) this.source = { output: out };
      else if (model.layers.some((l) => l.name === embedding)) this.source = { layer: embedding };
      else throw new InputError(`Embedding "${embedding}" is neither an output nor a layer of ${model.path}.`);
    }
    const shape =
      'output' in this.source
        ? model.outputs[this.source.output].shape
        : model.layers.find((l) => l.name === (this.source as { layer: string }).layer)!.outputShape;
    const dims = shape.length === 4 ? [shape[3]] : shape.slice(1);
    this.outputs = [
      { name: this.name, shape: [null, dims.every((d) => d != null) ? dims.reduce<number>((a, d) => a * (d as number), 1) : null], dtype: 'float32' },
    ];
  }

  get warnings(): string[] {
    return this.model.warnings;
  }

  weightTensors(): [string, tf.Tensor][] {
    return this.model.weightTensors();
  }

  /** The embedding's name as the user gave it (or the output's). */
  get name(): string {
    return 'output' in this.source ? this.model.outputs[this.source.output].name : this.source.layer;
  }

  /** [B, …] → [B, D]: spatial mean of a 4-D activation, flattened otherwise. */
  private static pool(t: tf.Tensor): tf.Tensor2D {
    return (t.rank === 4 ? tf.mean(t, [1, 2]) : tf.reshape(t, [t.shape[0], -1])) as tf.Tensor2D;
  }

  forward(x: tf.Tensor, opts: ForwardOptions = {}): ForwardResult {
    return tf.tidy(() => {
      if ('output' in this.source) {
        // Logits: the embedding is read before a final softmax, as for classifiers.
        const r = this.model.forward(x, { ...opts, logits: true, outputs: true });
        return { outputs: [EmbeddingView.pool(r.outputs[this.source.output])], taps: r.taps };
      }
      const r = this.model.forward(x, { ...opts, outputs: true, taps: [this.source.layer, ...(opts.taps ?? [])] });
      return { outputs: [EmbeddingView.pool(r.taps[0])], taps: r.taps.slice(1) };
    }) as ForwardResult;
  }

  layerGradient(x: tf.Tensor, layer: string, score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor } {
    return layerActivationAndGradient(this, x, layer, score);
  }

  layerGradients(x: tf.Tensor, layers: string[], score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor }[] {
    return layers.map((l) => this.layerGradient(x, l, score));
  }

  /** e(x), [B, D]. */
  embed(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.forward(x).outputs[0] as tf.Tensor2D);
  }

  dispose(): void {
    // The wrapped model belongs to the loader's cache.
  }
}

/** sim(a_i, b_i) per row; b may be one row, broadcast to all of a. Cosine, dot product, or −‖a − b‖. */
/** Each similarity by name (specs.ts: SIMILARITIES), per batch row. */
const SIMILARITY_OF: Record<Similarity, (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor1D> = {
  cosine: (a, b) => {
    const eps = 1e-12;
    const na = tf.sqrt(tf.maximum(tf.sum(tf.square(a), 1), eps));
    const nb = tf.sqrt(tf.maximum(tf.sum(tf.square(b), 1), eps));
    return tf.div(tf.sum(tf.mul(a, b), 1), tf.mul(na, nb)) as tf.Tensor1D;
  },
  dot: (a, b) => tf.sum(tf.mul(a, b), 1) as tf.Tensor1D,
  // A tiny ε keeps the gradient finite when the two embeddings coincide.
  l2: (a, b) => tf.neg(tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(a, b)), 1), 1e-12))) as tf.Tensor1D,
};

export function similarity(a: tf.Tensor2D, b: tf.Tensor2D, kind: Similarity): tf.Tensor1D {
  return tf.tidy(() => SIMILARITY_OF[kind](a, b));
}

/**
 * The pair target as a score function: sim(e(x), e(other)) per batch row, with e(other) fixed. Any
 * core method given an EmbeddingView and this score explains the similarity to the other view.
 */
export function pairScore(other: tf.Tensor2D, kind: Similarity): ScoreFn {
  return (outputs) => similarity(outputs[0] as tf.Tensor2D, other, kind);
}
