import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { InputError } from '../errors';
import { layerActivationAndGradient } from './gradient';
import { selfScaling } from './input-scaling';
import type { Dim, ForwardOptions, ForwardResult, InspectableModel, LayerInfo, OutputEnd, ScoreFn, TensorSpec } from './types';

export interface GraphNodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

/** "^name", "name:1" → "name". */
export function nodeNameOf(input: string): string {
  return input.replace(/^\^/, '').replace(/:\d+$/, '');
}

const SKIP_OPS = new Set(['Const', 'NoOp']);

/** A TF.js graph model behind the InspectableModel interface; intermediate nodes are tapped and fed by name. */
export class GraphInspectableModel implements InspectableModel {
  readonly format = 'tfjs-graph' as const;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly layers: LayerInfo[];
  readonly totalParams: number;
  readonly preprocessingLayers: string[] = [];
  readonly selfScaling?: string;
  readonly softmaxOutputs: boolean[];
  readonly outputEnds: OutputEnd[] = [];
  readonly warnings: string[] = [];
  private readonly logitNames: string[];
  private readonly nodeNames: Set<string>;

  constructor(
    readonly path: string,
    private readonly model: GraphModel,
    nodes: GraphNodeDef[],
  ) {
    this.inputs = model.inputs.map((t) => ({ name: t.name, shape: (t.shape ?? []).map((d) => (d == null || d < 0 ? null : d)), dtype: t.dtype }));
    this.outputs = model.outputs.map((t) => ({ name: t.name, shape: (t.shape ?? []).map((d) => (d == null || d < 0 ? null : d)), dtype: t.dtype }));
    const byName = new Map(nodes.map((n) => [n.name, n]));
    this.nodeNames = new Set(nodes.map((n) => n.name));
    const weights = model.weights;
    const paramsOf = (n: GraphNodeDef) =>
      (n.input ?? [])
        .map(nodeNameOf)
        .filter((i) => byName.get(i)?.op === 'Const')
        .reduce((acc, i) => acc + (weights[i]?.[0]?.size ?? 0), 0);
    const shapes = this.dryRunShapes(nodes.filter((n) => !SKIP_OPS.has(n.op) && n.op !== 'Placeholder').map((n) => n.name));
    this.layers = nodes
      .filter((n) => !SKIP_OPS.has(n.op))
      .map((n) => ({
        name: n.name,
        type: n.op,
        outputShape: n.op === 'Placeholder' ? (this.inputs.find((i) => nodeNameOf(i.name) === n.name)?.shape ?? []) : (shapes.get(n.name) ?? []),
        params: paramsOf(n),
        inbound: (n.input ?? [])
          .filter((i) => !i.startsWith('^'))
          .map(nodeNameOf)
          .filter((i) => byName.get(i)?.op !== 'Const'),
      }));
    // A graph that rescales its input first: Mul by a small constant, or (Real)Div by a large one.
    const input = nodes.find((n) => n.op === 'Placeholder');
    const first = input && nodes.find((n) => n.op !== 'Const' && (n.input ?? []).some((i) => nodeNameOf(i) === input.name));
    if (first && ['Mul', 'RealDiv', 'Div'].includes(first.op)) {
      const other = (first.input ?? []).map(nodeNameOf).find((i) => i !== input!.name && byName.get(i)?.op === 'Const');
      const t = other ? weights[other]?.[0] : undefined;
      const divides = first.op !== 'Mul';
      if (t && t.size === 1 && (!divides || (first.input ?? []).map(nodeNameOf)[0] === input!.name))
        this.selfScaling = selfScaling({ kind: divides ? 'Div' : 'Mul', name: first.name, value: t.dataSync()[0] });
    }
    this.totalParams = Object.values(weights).reduce((acc, ts) => acc + ts.reduce((a, t) => a + (t.dtype === 'string' ? 0 : t.size), 0), 0);
    // Logits: an output that is Softmax (possibly behind Identity nodes) is read at the softmax's input.
    this.softmaxOutputs = [];
    this.logitNames = this.outputs.map((o) => {
      let node = byName.get(nodeNameOf(o.name));
      while (node && node.op === 'Identity' && node.input?.length) node = byName.get(nodeNameOf(node.input[0]));
      const isSoftmax = node?.op === 'Softmax' && !!node.input?.length;
      this.softmaxOutputs.push(isSoftmax);
      this.outputEnds.push(isSoftmax ? 'softmax' : node?.op === 'LogSoftmax' ? 'log-softmax' : node?.op === 'Sigmoid' ? 'sigmoid' : 'other');
      return isSoftmax ? node!.input![0] : o.name;
    });
  }

  /** Output shapes of every node from one forward pass on zeros (graph models do not store them). */
  private dryRunShapes(names: string[]): Map<string, Dim[]> {
    const shapes = new Map<string, Dim[]>();
    const spec = this.inputs[0];
    if (this.inputs.length !== 1 || !spec || spec.shape.slice(1).some((d) => d == null) || spec.dtype !== 'float32') return shapes;
    tf.tidy(() => {
      const zeros = tf.zeros([1, ...(spec.shape.slice(1) as number[])]);
      for (let i = 0; i < names.length; i += 64) {
        const chunk = names.slice(i, i + 64);
        let outs: tf.Tensor[];
        try {
          outs = this.model.execute({ [spec.name]: zeros }, chunk) as tf.Tensor[];
        } catch {
          continue;
        }
        (Array.isArray(outs) ? outs : [outs]).forEach((t, k) => shapes.set(chunk[k], [null, ...t.shape.slice(1)]));
        tf.dispose(outs);
      }
    });
    return shapes;
  }

  private check(name: string): string {
    if (!this.nodeNames.has(nodeNameOf(name))) throw new InputError(`Layer "${name}" does not exist in ${this.path}.`);
    return name;
  }

  weightTensors(): [string, tf.Tensor][] {
    return Object.entries(this.model.weights).flatMap(([name, ts]) => ts.map((t) => [name, t] as [string, tf.Tensor]));
  }

  forward(x: tf.Tensor, opts: ForwardOptions = {}): ForwardResult {
    const taps = (opts.taps ?? []).map((n) => this.check(n));
    const outNames = opts.outputs === false ? [] : (opts.logits ?? true) ? this.logitNames : this.outputs.map((o) => o.name);
    const inputs: tf.NamedTensorMap = { [this.inputs[0].name]: x };
    for (const [name, t] of opts.feeds ?? []) inputs[this.check(name)] = t;
    if (this.inputs.length !== 1) throw new InputError(`${this.path}: models with ${this.inputs.length} inputs are not supported yet.`);
    return tf.tidy(() => {
      const all = this.model.execute(inputs, [...outNames, ...taps]);
      const list = (Array.isArray(all) ? all : [all]).map((t) => (t === x || Object.values(inputs).includes(t) ? tf.clone(t) : t));
      return { outputs: list.slice(0, outNames.length), taps: list.slice(outNames.length) };
    }) as ForwardResult;
  }

  layerGradient(x: tf.Tensor, layer: string, score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor } {
    return layerActivationAndGradient(this, x, layer, score);
  }

  layerGradients(x: tf.Tensor, layers: string[], score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor }[] {
    // A graph model cannot add to a node's output inside execute(): one split per layer.
    return layers.map((l) => this.layerGradient(x, l, score));
  }

  dispose(): void {
    this.model.dispose();
  }
}
