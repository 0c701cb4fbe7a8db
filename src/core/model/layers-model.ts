import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors';
import { layerActivationAndGradient } from './gradient';
import { type FirstOp, selfScaling } from './input-scaling';
import { Normalization } from './keras/normalization';
import { layersLrpGraph, type LrpGraph } from './lrp-graph';
import type { Dim, ForwardOptions, ForwardResult, InspectableModel, LayerInfo, OutputEnd, ScoreFn, TensorSpec } from './types';

type Sym = tfl.SymbolicTensor;
// Layer internals used by the executor; public fields of tfjs-layers' Node and Layer.
interface LayerNode {
  inputTensors: Sym[];
  outputTensors: Sym[];
  callArgs?: Record<string, unknown>;
}
type AnyLayer = tfl.layers.Layer & { inboundNodes: LayerNode[]; activation?: unknown };

const PREPROCESSING = new Set(['Rescaling', 'Normalization', 'Resizing', 'CenterCrop']);
const LINEAR = (tfl.layers.activation({ activation: 'linear' }) as unknown as { activation: unknown }).activation;

function shapeOf(s: (number | null)[] | undefined): Dim[] {
  return (s ?? []).map((d) => (d == null ? null : d));
}

/** The layer that first reads the input, when it rescales or normalises it (input-scaling.ts). */
function firstOp(model: tfl.LayersModel): FirstOp | undefined {
  const layer = model.layers.find((l) => l.getClassName() !== 'InputLayer');
  if (!layer) return undefined;
  if (layer instanceof Normalization) {
    const mean = layer.meanValues();
    return mean.length ? { kind: 'Normalization', name: layer.name, value: mean.reduce((a, b) => a + b, 0) / mean.length } : undefined;
  }
  if (layer.getClassName() === 'Rescaling') {
    const scale = (layer.getConfig() as { scale?: unknown }).scale;
    return typeof scale === 'number' ? { kind: 'Rescaling', name: layer.name, value: scale } : undefined;
  }
  return undefined;
}

function activationName(layer: tfl.layers.Layer): string | undefined {
  const cfg = layer.getConfig() as { activation?: unknown };
  return typeof cfg.activation === 'string' ? cfg.activation : undefined;
}

/** A TF.js layers model behind the InspectableModel interface, with its own graph executor (taps, splits, logits). */
export class LayersInspectableModel implements InspectableModel {
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly layers: LayerInfo[];
  readonly totalParams: number;
  readonly preprocessingLayers: string[];
  readonly selfScaling?: string;
  readonly softmaxOutputs: boolean[];
  readonly outputEnds: OutputEnd[];
  readonly warnings: string[] = [];

  constructor(
    readonly path: string,
    private readonly model: tfl.LayersModel,
    /** 'keras' for models read from .h5 / .keras files. */
    readonly format: 'tfjs-layers' | 'keras' = 'tfjs-layers',
  ) {
    this.inputs = model.inputs.map((t) => ({ name: t.name, shape: shapeOf(t.shape), dtype: t.dtype }));
    this.outputs = model.outputs.map((t) => ({ name: t.sourceLayer.name, shape: shapeOf(t.shape), dtype: t.dtype }));
    this.layers = model.layers.map((layer) => {
      let outputShape: Dim[] = [];
      try {
        const s = layer.outputShape;
        outputShape = shapeOf((Array.isArray(s[0]) || s.length === 0 ? s[0] : s) as (number | null)[]);
      } catch {
        // a layer shared between nodes has no single output shape
      }
      const inbound = (layer as AnyLayer).inboundNodes[0] as unknown as { inboundLayers?: tfl.layers.Layer[] } | undefined;
      return {
        name: layer.name,
        type: layer.getClassName(),
        outputShape,
        params: layer.countParams(),
        inbound: (inbound?.inboundLayers ?? []).map((l) => l.name),
      };
    });
    this.totalParams = model.countParams();
    this.preprocessingLayers = this.layers.filter((l) => PREPROCESSING.has(l.type)).map((l) => `${l.name} (${l.type})`);
    this.selfScaling = selfScaling(firstOp(model));
    this.softmaxOutputs = model.outputs.map((t) => {
      const layer = t.sourceLayer as tfl.layers.Layer;
      return layer.getClassName() === 'Softmax' || activationName(layer) === 'softmax';
    });
    this.outputEnds = model.outputs.map((t, i) => {
      const layer = t.sourceLayer as tfl.layers.Layer;
      if (this.softmaxOutputs[i]) return 'softmax';
      const act = activationName(layer);
      return act === 'sigmoid' ? 'sigmoid' : act === 'log_softmax' ? 'log-softmax' : 'other';
    });
  }

  private layerOutput(name: string): Sym {
    let layer: tfl.layers.Layer;
    try {
      layer = this.model.getLayer(name);
    } catch {
      throw new InputError(`Layer "${name}" does not exist in ${this.path}.`);
    }
    const out = layer.output;
    if (Array.isArray(out)) return out[0];
    return out;
  }

  weightTensors(): [string, tf.Tensor][] {
    return this.model.weights.map((w) => [w.originalName ?? w.name, w.read()]);
  }

  forward(x: tf.Tensor, opts: ForwardOptions = {}): ForwardResult {
    return this.run(x, opts, new Map());
  }

  /** forward(), where each layer named in `perturb` has the given tensor added to its output. */
  private run(x: tf.Tensor, opts: ForwardOptions, perturb: Map<string, tf.Tensor>): ForwardResult {
    const taps = (opts.taps ?? []).map((n) => this.layerOutput(n));
    const logits = opts.logits ?? true;
    const feeds = opts.feeds ?? new Map<string, tf.Tensor>();
    for (const name of feeds.keys()) this.layerOutput(name);
    const memo = new Map<number, tf.Tensor>();
    const inputIds = new Set(this.model.inputs.map((t) => t.id));
    if (this.model.inputs.length !== 1) throw new InputError(`${this.path}: models with ${this.model.inputs.length} inputs are not supported yet.`);

    const inputLayer = this.model.inputs[0].sourceLayer.name;
    let perturbedInput: tf.Tensor | undefined;
    const evaluate = (sym: Sym, skipSoftmax: boolean): tf.Tensor => {
      const layer = sym.sourceLayer as AnyLayer;
      const fed = feeds.get(layer.name);
      if (fed) return fed;
      if (inputIds.has(sym.id)) {
        const e = perturb.get(inputLayer);
        return e ? (perturbedInput ??= tf.add(x, e)) : x;
      }
      const node = layer.inboundNodes[sym.nodeIndex];
      const isSoftmaxLayer = layer.getClassName() === 'Softmax' || (layer.getClassName() === 'Activation' && activationName(layer) === 'softmax');
      if (skipSoftmax && isSoftmaxLayer) return evaluate(node.inputTensors[0], false);
      const cached = memo.get(sym.id);
      if (cached && !skipSoftmax) return cached;
      const args = node.inputTensors.map((t) => evaluate(t, false));
      const swap = skipSoftmax && activationName(layer) === 'softmax';
      const saved = layer.activation;
      if (swap) layer.activation = LINEAR;
      let result: tf.Tensor | tf.Tensor[];
      try {
        result = layer.apply(args.length === 1 ? args[0] : args, node.callArgs ?? {}) as tf.Tensor | tf.Tensor[];
      } finally {
        if (swap) layer.activation = saved;
      }
      const outs = Array.isArray(result) ? result : [result];
      const e = perturb.get(layer.name);
      if (e) outs[0] = tf.add(outs[0], e);
      if (swap) return outs[sym.tensorIndex];
      node.outputTensors.forEach((t, i) => memo.set(t.id, outs[i]));
      return outs[sym.tensorIndex];
    };

    return tf.tidy(() => {
      // The caller owns what is returned: never hand back the caller's own input or feed.
      const own = (t: tf.Tensor) => (t === x || [...feeds.values()].includes(t) ? tf.clone(t) : t);
      const outputs = opts.outputs === false ? [] : this.model.outputs.map((o) => own(evaluate(o, logits)));
      const tapped = taps.map((t) => own(evaluate(t, false)));
      return { outputs, taps: tapped };
    }) as ForwardResult;
  }

  layerGradient(x: tf.Tensor, layer: string, score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor } {
    return layerActivationAndGradient(this, x, layer, score);
  }

  /**
   * Activations and ∂score/∂A for several layers from one forward and one backward pass: a zero
   * tensor is added to each layer's output and the score differentiated with respect to those.
   * ∂score/∂e = ∂score/∂A with every path from A to the outputs, as in layerGradient's split.
   */
  layerGradients(x: tf.Tensor, layers: string[], score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor }[] {
    if (layers.length === 0) return [];
    const { outputs, taps } = this.forward(x, { taps: layers });
    tf.dispose(outputs);
    const zeros = taps.map((t) => tf.zerosLike(t));
    try {
      const grads = tf.grads((...es: tf.Tensor[]) => tf.sum(score(this.run(x, {}, new Map(layers.map((l, i) => [l, es[i]]))).outputs)))(zeros);
      return taps.map((activation, i) => ({ activation, gradient: grads[i] }));
    } finally {
      tf.dispose(zeros);
    }
  }

  /** An independent copy (same architecture, weights copied): the sanity check randomises the copy's layers. */
  async copy(): Promise<LayersInspectableModel> {
    const m = (await tfl.models.modelFromJSON({ modelTopology: this.model.toJSON(null, false) as never })) as tfl.LayersModel;
    m.setWeights(this.model.getWeights());
    return new LayersInspectableModel(this.path, m, this.format);
  }

  /** The layers with trainable weights, input to output (the sanity check's cascade runs them backwards). */
  trainableLayers(): string[] {
    return this.model.layers.filter((l) => l.trainableWeights.length > 0).map((l) => l.name);
  }

  /**
   * Replaces a layer's trainable weights with seeded normal noise of each weight's own mean and standard
   * deviation (Adebayo et al. 2018's re-initialisation, at the weight's scale); batch norm's moving
   * statistics are left alone.
   */
  randomiseLayer(name: string, seed: number): void {
    const layer = this.model.getLayer(name);
    layer.trainableWeights.forEach((w, k) => {
      const t = w.read();
      const fresh = tf.tidy(() => {
        const { mean, variance } = tf.moments(t);
        const std = Math.sqrt(variance.dataSync()[0]) || 0.05;
        return tf.add(tf.mul(tf.randomNormal(t.shape, 0, 1, 'float32', seed * 100 + k + 1), std), mean);
      });
      w.write(fresh);
      fresh.dispose(); // the variable holds its own reference
    });
  }

  lrpGraph(): LrpGraph {
    return layersLrpGraph(this.model, this.path);
  }

  dispose(): void {
    // A layer called twice in one model (a shared layer) counts two references, and
    // LayersModel.dispose drops one: its weights would stay behind.
    const weights = this.model.weights;
    this.model.dispose();
    for (const w of weights) {
      try {
        w.dispose();
      } catch {
        // already disposed with its layer
      }
    }
  }
}
