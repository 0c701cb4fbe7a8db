import * as tf from '@tensorflow/tfjs-core';
import { InputError, isWasmTrap } from '../../errors';
import { printable } from '../../io/files';
import { layerActivationAndGradient } from '../gradient';
import { type FirstOp, selfScaling } from '../input-scaling';
import type { Dim, ForwardOptions, ForwardResult, InspectableModel, LayerInfo, OutputEnd, ScoreFn, TensorSpec } from '../types';
import { checkArity, fromOnnxTensor, isSupportedOp, OpError, OPS, shapeOf, tensor, type OpContext, type Value } from './ops';
import type { OnnxModel, OnnxNode } from './proto';
import type { LrpGraph } from '../lrp-graph';
import { onnxLrpGraph } from './lrp-graph';
import { tidyValue } from '../../engine/tidy';

/** The operators of a decoded model: count and support, in order of first use. */
export function operatorsOf(nodes: OnnxNode[]): { op: string; count: number; supported: boolean }[] {
  const out = new Map<string, { op: string; count: number; supported: boolean }>();
  for (const n of nodes) {
    const k = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    const e = out.get(k) ?? { op: k, count: 0, supported: isSupportedOp(n) };
    e.count++;
    out.set(k, e);
  }
  return [...out.values()];
}

/** Nodes in an order where every input is produced before it is used (ONNX allows any order). */
export function sortNodes(nodes: OnnxNode[], available: Set<string>): OnnxNode[] {
  const producers = new Map<string, OnnxNode>();
  for (const n of nodes) for (const o of n.outputs) producers.set(o, n);
  const done = new Set<OnnxNode>();
  const visiting = new Set<OnnxNode>();
  const out: OnnxNode[] = [];
  const visit = (n: OnnxNode): void => {
    if (done.has(n)) return;
    if (visiting.has(n)) throw new Error(`the graph has a cycle through node "${printable(n.name || n.outputs[0] || '')}"`);
    visiting.add(n);
    for (const i of n.inputs) {
      if (i === '' || available.has(i)) continue;
      const p = producers.get(i);
      if (!p) throw new Error(`node "${printable(n.name || n.outputs[0] || '')}" (${printable(n.opType)}) reads "${printable(i)}", which nothing produces`);
      visit(p);
    }
    visiting.delete(n);
    done.add(n);
    out.push(n);
  };
  for (const n of nodes) visit(n);
  return out;
}

/** Per-node weight caches: an entry whose tensor was disposed (a failed job releases what it made) is made again. */
class TensorCache extends Map<string, tf.Tensor> {
  override get(key: string): tf.Tensor | undefined {
    const t = super.get(key);
    return t && !t.isDisposed ? t : undefined;
  }
}

/** A 4-D image input stored channels-first (N, C, H, W) — what PyTorch exports. */
const channelsFirst = (shape?: Dim[]): boolean => !!shape && shape.length === 4 && shape[1] !== null && shape[1] <= 4 && (shape[3] === null || shape[3] > 4);

/**
 * An ONNX model translated into TensorFlow.js operations at load, behind the InspectableModel
 * interface: forward passes, intermediate outputs (every node output is a "layer"), feeds and
 * gradients. Images stay channels-last throughout (docs/FORMATS.md#onnx): an NCHW model takes NHWC
 * input and its 4-D intermediate and output tensors come back NHWC, weights permuted once.
 */
export class OnnxInspectableModel implements InspectableModel {
  readonly format = 'onnx' as const;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly layers: LayerInfo[];
  readonly totalParams: number;
  readonly preprocessingLayers: string[] = [];
  selfScaling?: string;
  readonly softmaxOutputs: boolean[];
  readonly outputEnds: OutputEnd[] = [];
  /** Operators of the file with their count and whether Model Lens translates them. */
  readonly operators: { op: string; count: number; supported: boolean }[];
  readonly producer: string;
  readonly opset: number;
  /** Graph outputs that cannot be computed (an unsupported operator lies between them and the input), with why. */
  readonly unavailableOutputs: { name: string; reason: string }[];
  readonly warnings: string[];
  private readonly initializerNames: string[];
  /** Set when no output can be computed: explaining anything is refused with this sentence. */
  private readonly noOutputReason: string | undefined;
  private readonly nodes: OnnxNode[];
  private readonly constants = new Map<string, Value>();
  private readonly producers = new Map<string, OnnxNode>();
  private readonly logitNames: string[];
  private readonly inputName: string;
  private readonly inputNhwc: boolean;
  private readonly cache = new TensorCache();
  private readonly aliases = new Map<string, string>();
  /** Whether each node output was channels-last when last computed. */
  private readonly channelsLast = new Map<string, boolean>();

  constructor(
    readonly path: string,
    model: OnnxModel,
  ) {
    // A file that fails half-way must not leave its weights behind in the engine.
    try {
      this.producer = model.producer;
      this.opset = model.opset;
      this.operators = operatorsOf(model.nodes);
      if (model.inputs.length !== 1) throw new InputError(`${path}: models with ${model.inputs.length} inputs are not supported yet.`);
      const input = model.inputs[0];
      this.inputName = input.name;
      this.inputNhwc = channelsFirst(input.shape);
      const s = input.shape ?? [];
      if (s.some((d) => d !== null && (!Number.isSafeInteger(d) || d < 1 || d > 1 << 24)) || s.reduce<number>((a, d) => a * (d ?? 1), 1) > 1 << 26) {
        throw new InputError(
          `${path}: input "${printable(input.name)}" has shape [${s.map((d) => d ?? 'N').join(', ')}]; every size must be a whole number ≥ 1, and the whole at most ${1 << 26} values`,
        );
      }
      this.inputs = [
        this.inputNhwc
          ? { name: input.name, shape: [s[0], s[2], s[3], s[1]], dtype: 'float32', declaredShape: s }
          : { name: input.name, shape: s, dtype: 'float32' },
      ];

      // Initializers and constant sub-graphs (Constant nodes, shape arithmetic on weights) once, at load.
      for (const [name, t] of model.initializers) this.constants.set(name, fromOnnxTensor(t));
      const available = new Set([input.name, ...model.initializers.keys()]);
      let sorted: OnnxNode[];
      try {
        sorted = sortNodes(model.nodes, available);
      } catch (err) {
        throw new InputError(`${path}: ${(err as Error).message}`);
      }
      const running: OnnxNode[] = [];
      // Values that depend on an operator Model Lens does not translate, and that operator's node: a
      // side branch (a training graph's accuracy) does not stop the rest from running.
      const blockedBy = new Map<string, OnnxNode>();
      for (const n of sorted) {
        const cause = isSupportedOp(n) ? n.inputs.map((i) => blockedBy.get(i)).find((b) => b !== undefined) : n;
        if (cause) {
          for (const o of n.outputs) blockedBy.set(o, cause);
          continue;
        }
        const constant = n.inputs.every((i) => i === '' || this.constants.has(i));
        if (constant) {
          // In a tidy: the folded outputs are kept, the operators' temporaries released.
          tf.tidy(() => {
            const env = new Map(this.constants);
            this.run(n, env);
            for (const o of n.outputs) {
              const v = env.get(o);
              if (!v) continue;
              if (v.kind === 'tensor') tf.keep(v.t);
              this.constants.set(o, v);
            }
          });
        } else running.push(n);
      }
      this.nodes = running;
      for (const n of running) {
        for (const o of n.outputs) this.producers.set(o, n);
        if (n.name && !this.producers.has(n.name)) this.aliases.set(n.name, n.outputs[0]);
      }
      this.selfScaling = selfScaling(this.firstOp());

      const describe = (n: OnnxNode): string =>
        `operator "${printable(n.opType)}"${n.domain ? ` (domain ${printable(n.domain)})` : ''} of node "${printable(n.name || n.outputs[0] || '')}"`;
      this.unavailableOutputs = model.outputs
        .filter((o) => blockedBy.has(o.name))
        .map((o) => ({ name: o.name, reason: `${describe(blockedBy.get(o.name)!)} is not supported` }));
      const outputs = model.outputs.filter((o) => !blockedBy.has(o.name));
      this.warnings = this.unavailableOutputs.map((u) => `output "${u.name}" cannot be computed: ${u.reason}`);
      this.initializerNames = [...model.initializers.keys()];
      if (outputs.length === 0) {
        const cause = blockedBy.get(model.outputs[0]?.name ?? '') ?? model.nodes.find((n) => !isSupportedOp(n));
        this.noOutputReason = `${path}: ${cause ? describe(cause) : 'an operator'} is not supported, and it lies between the input and every output (model-lens summary lists the file's operators)`;
      }

      // Logits: an output that a Softmax produces (possibly behind Identity) is read at its input.
      this.softmaxOutputs = [];
      this.logitNames = outputs.map((o) => {
        let node = this.producers.get(o.name);
        while (node && node.opType === 'Identity') node = this.producers.get(node.inputs[0]);
        const isSoftmax = node?.opType === 'Softmax' && (this.opset >= 13 ? (node.attrs.get('axis')?.i ?? -1) === -1 || node.attrs.get('axis')?.i === 1 : true);
        this.softmaxOutputs.push(!!isSoftmax);
        this.outputEnds.push(isSoftmax ? 'softmax' : node?.opType === 'LogSoftmax' ? 'log-softmax' : node?.opType === 'Sigmoid' ? 'sigmoid' : 'other');
        return isSoftmax ? node!.inputs[0] : o.name;
      });

      const shapes = this.noOutputReason ? new Map<string, Dim[]>() : this.dryRunShapes();
      this.outputs = outputs.map((o) => ({ name: o.name, shape: shapes.get(o.name) ?? o.shape ?? [], dtype: 'float32' }));
      const floatsOf = (name: string): number => {
        const c = this.constants.get(name);
        return c && c.kind === 'tensor' && model.initializers.has(name) ? c.t.size : 0;
      };
      this.layers = running.map((n) => ({
        name: n.outputs[0],
        type: n.opType,
        outputShape: shapes.get(n.outputs[0]) ?? [],
        params: n.inputs.reduce((acc, i) => acc + floatsOf(i), 0),
        inbound: n.inputs.filter((i) => this.producers.has(i)),
      }));
      this.totalParams = [...model.initializers.values()].reduce((acc, t) => acc + (t.data instanceof Float32Array ? t.data.length : 0), 0);
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Runs one node, reading and writing `env`. */
  private run(n: OnnxNode, env: Map<string, Value>): void {
    const ctx: OpContext = {
      node: n,
      opset: this.opset,
      attr: (name) => n.attrs.get(name),
      int: (name, fallback) => n.attrs.get(name)?.i ?? fallback,
      float: (name, fallback) => n.attrs.get(name)?.f ?? fallback,
      ints: (name, fallback) => n.attrs.get(name)?.ints ?? fallback,
      str: (name, fallback) => n.attrs.get(name)?.s ?? fallback,
      cache: this.cache,
    };
    const inputs = n.inputs.map((i) => (i === '' ? undefined : env.get(i)));
    let outs: Value[];
    try {
      checkArity(n);
      outs = OPS[n.opType](ctx, inputs);
    } catch (err) {
      const e = err as Error;
      if (isWasmTrap(e)) throw e; // not the file's fault in words we can give: the caller recreates the engine
      const where = `${this.path}: node "${printable(n.name || n.outputs[0] || '')}" (${printable(n.opType)})`;
      if (e instanceof OpError) throw new InputError(`${where} ${e.message}`);
      // TensorFlow.js refused the operation: say what it was given; its message goes to --verbose.
      const shapes = inputs.map((v) => (v ? `[${shapeOf(v).join(', ')}]` : 'none'));
      const err2 = new InputError(
        `${where} cannot run on input${shapes.length === 1 ? '' : 's'} of shape${shapes.length === 1 ? '' : 's'} ${shapes.join(' and ')}`,
      );
      (err2 as Error & { cause?: unknown }).cause = e;
      throw err2;
    }
    outs.forEach((v, k) => n.outputs[k] && env.set(n.outputs[k], v));
  }

  /** The first operation on the input (past Cast, Identity and Transpose) when it is a Div or Mul by a constant scalar. */
  private firstOp(): FirstOp | undefined {
    let value = this.inputName;
    for (let hops = 0; hops < 4; hops++) {
      const n = this.nodes.find((m) => m.inputs.includes(value));
      if (!n) return undefined;
      if (['Cast', 'Identity', 'Transpose'].includes(n.opType)) {
        value = n.outputs[0];
        continue;
      }
      if (n.opType !== 'Div' && n.opType !== 'Mul') return undefined;
      const other = n.inputs.find((i) => i !== value);
      const c = other !== undefined ? this.constants.get(other) : undefined;
      if (!c || (n.opType === 'Div' && n.inputs[0] !== value)) return undefined;
      const data = c.kind === 'host' ? c.data : c.t.size === 1 ? Array.from(c.t.dataSync()) : [];
      return data.length === 1 ? { kind: n.opType, name: n.name || n.outputs[0], value: data[0] } : undefined;
    }
    return undefined;
  }

  /** Output shapes of every node (stored layout) from one pass on zeros, when the input size is fixed. */
  private dryRunShapes(): Map<string, Dim[]> {
    const shapes = new Map<string, Dim[]>();
    const spec = this.inputs[0].shape;
    if (spec.slice(1).some((d) => d == null)) return shapes;
    tf.tidy(() => {
      // The declared batch size where there is one (a fixed first dimension), else 1.
      const env = this.evaluate(tf.zeros([spec[0] ?? 1, ...(spec.slice(1) as number[])]), new Map(), undefined);
      for (const [name, v] of env) {
        if (this.constants.has(name)) continue;
        shapes.set(name, v.kind === 'host' ? v.dims : [null, ...v.t.shape.slice(1)]);
      }
    });
    return shapes;
  }

  /** Evaluates the nodes needed for `wanted` (all when undefined), with `feeds` replacing node outputs. */
  private evaluate(x: tf.Tensor, feeds: Map<string, tf.Tensor>, wanted: string[] | undefined): Map<string, Value> {
    const env = new Map(this.constants);
    env.set(this.inputName, tensor(x, this.inputNhwc));
    // A fed tensor has the layout the same name had when it was computed (a tap of it came first).
    for (const [name, t] of feeds) env.set(name, tensor(t, t.rank === 4 && this.channelsLast.get(name) === true));
    let needed: Set<OnnxNode> | undefined;
    if (wanted) {
      needed = new Set();
      const stack = [...wanted];
      while (stack.length) {
        const name = stack.pop()!;
        if (feeds.has(name) || this.constants.has(name) || name === this.inputName) continue;
        const p = this.producers.get(name);
        if (!p || needed.has(p)) continue;
        needed.add(p);
        stack.push(...p.inputs.filter((i) => i !== ''));
      }
    }
    for (const n of this.nodes) {
      if (needed && !needed.has(n)) continue;
      if (n.outputs.every((o) => feeds.has(o))) continue;
      this.run(n, env);
      for (const o of n.outputs) {
        const v = env.get(o);
        if (v) this.channelsLast.set(o, v.kind === 'tensor' && v.nhwc);
      }
    }
    return env;
  }

  /** Whether a node output (or graph output) comes back channels-last (an NCHW image kept NHWC). */
  isChannelsLast(name: string): boolean {
    return this.channelsLast.get(this.aliases.get(name) ?? name) === true;
  }

  private resolve(name: string): string {
    const n = this.aliases.get(name) ?? name;
    if (!this.producers.has(n)) throw new InputError(`Layer "${name}" does not exist in ${this.path}.`);
    return n;
  }

  weightTensors(): [string, tf.Tensor][] {
    return this.initializerNames.flatMap((n) => {
      const v = this.constants.get(n);
      return v && v.kind === 'tensor' ? [[n, v.t] as [string, tf.Tensor]] : [];
    });
  }

  forward(x: tf.Tensor, opts: ForwardOptions = {}): ForwardResult {
    if (this.noOutputReason) throw new InputError(this.noOutputReason);
    const taps = (opts.taps ?? []).map((n) => this.resolve(n));
    const outNames = opts.outputs === false ? [] : (opts.logits ?? true) ? this.logitNames : this.outputs.map((o) => o.name);
    const feeds = new Map([...(opts.feeds ?? [])].map(([n, t]) => [this.resolve(n), t] as const));
    return tf.tidy(() => {
      const env = this.evaluate(x, feeds, [...outNames, ...taps]);
      const handedOut = new Set<tf.Tensor>();
      const pick = (name: string): tf.Tensor => {
        const v = env.get(name);
        if (!v) throw new InputError(`${this.path}: "${printable(name)}" was not computed`);
        const t = v.kind === 'host' ? tf.tensor(v.data, v.dims, 'float32') : v.t;
        // Constants, the input, fed tensors and a tensor asked for twice (an output also tapped)
        // are copied: each returned tensor is the caller's to dispose.
        const copy = this.constants.has(name) || t === x || [...feeds.values()].includes(t) || handedOut.has(t);
        handedOut.add(t);
        return copy ? tf.clone(t) : t;
      };
      return { outputs: outNames.map(pick), taps: taps.map(pick) };
    }) as ForwardResult;
  }

  layerGradient(x: tf.Tensor, layer: string, score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor } {
    const name = this.resolve(layer);
    if (!this.leadsToOutput(name))
      throw new InputError(`${this.path}: layer "${printable(layer)}" does not lead to the model's output, so the output has no gradient with respect to it`);
    return layerActivationAndGradient(this, x, name, score);
  }

  /** Whether a node output is among the ancestors of the outputs that are explained (the logits). */
  private leadsToOutput(name: string): boolean {
    const seen = new Set<string>();
    const stack = [...this.logitNames];
    while (stack.length) {
      const v = stack.pop()!;
      if (v === name) return true;
      if (seen.has(v)) continue;
      seen.add(v);
      const p = this.producers.get(v);
      if (p) stack.push(...p.inputs.filter((i) => i !== ''));
    }
    return false;
  }

  layerGradients(x: tf.Tensor, layers: string[], score: ScoreFn): { activation: tf.Tensor; gradient: tf.Tensor }[] {
    return layers.map((l) => this.layerGradient(x, l, score));
  }

  /** The graph as LRP reads it, with the shapes of one pass on `x` (zeros of the declared size when absent). */
  lrpGraph(x?: tf.Tensor): LrpGraph {
    if (this.noOutputReason) throw new InputError(this.noOutputReason);
    const spec = this.inputs[0].shape;
    const values = tidyValue(() => {
      const input = x ?? tf.zeros([1, ...spec.slice(1).map((d) => d ?? 32)]);
      const env = this.evaluate(input, new Map(), this.logitNames);
      const out = new Map<string, { shape: number[]; nhwc: boolean }>();
      for (const [name, v] of env) if (v.kind === 'tensor' && !this.constants.has(name)) out.set(name, { shape: v.t.shape, nhwc: v.nhwc });
      return out;
    });
    return onnxLrpGraph({
      path: this.path,
      nodes: this.nodes,
      constant: (name) => this.constants.get(name),
      input: this.inputName,
      outputs: this.logitNames,
      values,
    });
  }

  dispose(): void {
    for (const v of this.constants.values()) if (v.kind === 'tensor') v.t.dispose();
    for (const t of this.cache.values()) t.dispose();
    this.constants.clear();
    this.cache.clear();
  }
}
