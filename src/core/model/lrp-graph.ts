/**
 * A model as the graph layer-wise relevance propagation walks (explain/lrp/): only the operations LRP has
 * rules for, with their weights, every node after its inputs, images channels-last. Each format builds it
 * from its own graph — TF.js layers and Keras models here (`layersLrpGraph`), ONNX in onnx/lrp-graph.ts —
 * and names the layer it cannot translate. Batch normalisation is folded into the convolution or dense
 * layer before it when that layer feeds nothing else (`foldBatchNorm`); one that cannot be folded stays an
 * element-wise affine node.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors';
import { Normalization } from './keras/normalization';

export type Padding = 'same' | 'valid' | [[number, number], [number, number]];

export type LrpOp =
  | { kind: 'input' }
  /** x·kernel + bias, kernel [in, out]. */
  | { kind: 'dense'; kernel: tf.Tensor2D; bias?: tf.Tensor1D }
  /** kernel [h, w, in, out]. */
  | { kind: 'conv'; kernel: tf.Tensor4D; bias?: tf.Tensor1D; strides: [number, number]; pad: Padding; dilations: [number, number] }
  /** kernel [h, w, in, multiplier]. */
  | { kind: 'depthwise'; kernel: tf.Tensor4D; bias?: tf.Tensor1D; strides: [number, number]; pad: Padding; dilations: [number, number] }
  | { kind: 'maxpool' | 'avgpool'; size: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
  /** Global average or max pooling to [B, C]. */
  | { kind: 'gap' | 'gmp' }
  /** x·scale + shift along the last axis (batch norm that could not be folded, rescaling, normalisation). */
  | { kind: 'affine'; scale: tf.Tensor1D; shift: tf.Tensor1D }
  /** max(x, 0), capped at `max` when set (ReLU6). */
  | { kind: 'relu'; max?: number }
  | { kind: 'add' }
  | { kind: 'concat'; axis: number }
  /** To this shape past the batch axis (Flatten, Reshape); `fromNhwc`: an image read in C, H, W order (ONNX's). */
  | { kind: 'reshape'; shape: number[]; fromNhwc?: boolean }
  /** Padding of height and width with `value` (default 0). */
  | { kind: 'pad'; pads: [[number, number], [number, number]]; value?: number }
  /** Dropout, noise and other layers that do nothing at inference. */
  | { kind: 'identity' };

export type LrpKind = LrpOp['kind'];

export interface LrpNode {
  /** The layer (or ONNX node) it comes from, for messages. */
  name: string;
  /** That layer's type as the format names it (Conv2D, Conv, …). */
  type: string;
  op: LrpOp;
  /** Indices of the nodes it reads, in order. */
  inputs: number[];
}

export interface LrpGraph {
  nodes: LrpNode[];
  /** The nodes whose outputs are the model's outputs before a final softmax (the logits), in the model's order. */
  outputs: number[];
}

/** The tensors a graph holds (its own copies: dispose them with the graph). */
export function disposeLrpGraph(g: LrpGraph): void {
  for (const n of g.nodes) for (const v of Object.values(n.op)) if (v instanceof tf.Tensor) v.dispose();
}

/** The layer types LRP handles, as the issue lists them, for messages. */
export const LRP_LAYERS =
  'Dense, Conv2D, DepthwiseConv2D, pooling (max, average, global average / max), BatchNorm, ReLU/ReLU6, Add, Concatenate, Flatten/Reshape';

const cannot = (path: string, name: string, type: string, why = '') =>
  new InputError(`${path}: LRP cannot handle layer "${name}" (${type})${why ? `: ${why}` : ''}; it covers ${LRP_LAYERS}`);

interface LayerNodeLike {
  inboundLayers?: tfl.layers.Layer[];
}
type AnyLayer = tfl.layers.Layer & { inboundNodes: LayerNodeLike[] };

const pair = (v: unknown, fallback: number): [number, number] =>
  Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : typeof v === 'number' ? [v, v] : [fallback, fallback];

/** A TF.js layers (or Keras) model as an LRP graph; the weights are copied. */
export function layersLrpGraph(model: tfl.LayersModel, path: string): LrpGraph {
  const nodes: LrpNode[] = [];
  const index = new Map<string, number>();
  const outputLayers = model.outputs.map((o) => o.sourceLayer.name);
  const push = (node: LrpNode) => nodes.push(node) - 1;
  try {
    // A Sequential model's input layer is not among its layers.
    for (const input of model.inputs)
      index.set(input.sourceLayer.name, push({ name: input.sourceLayer.name, type: 'InputLayer', op: { kind: 'input' }, inputs: [] }));
    for (const layer of model.layers as AnyLayer[]) {
      const type = layer.getClassName();
      const name = layer.name;
      if (index.has(name)) continue;
      const cfg = layer.getConfig() as Record<string, unknown>;
      if (layer.inboundNodes.length > 1) throw cannot(path, name, type, 'it is shared (called more than once)');
      const inputs = (layer.inboundNodes[0]?.inboundLayers ?? []).map((l) => {
        const i = index.get(l.name);
        if (i === undefined) throw cannot(path, name, type, `its input "${l.name}" comes after it`);
        return i;
      });
      const w = layer.getWeights();
      const at = (node: Omit<LrpNode, 'name' | 'type' | 'inputs'>, from = inputs) => push({ name, type, op: node.op, inputs: from });
      let out: number;
      const channelsLast = cfg.dataFormat === undefined || cfg.dataFormat === 'channelsLast';
      if (!channelsLast) throw cannot(path, name, type, 'it is channels-first');
      switch (type) {
        case 'Dense':
          out = at({ op: { kind: 'dense', kernel: w[0].clone() as tf.Tensor2D, bias: cfg.useBias ? (w[1].clone() as tf.Tensor1D) : undefined } });
          break;
        case 'Conv2D':
        case 'DepthwiseConv2D': {
          if (typeof cfg.padding !== 'string' || !['same', 'valid'].includes(cfg.padding)) throw cannot(path, name, type, `padding "${String(cfg.padding)}"`);
          const geometry = { strides: pair(cfg.strides, 1), pad: cfg.padding as 'same' | 'valid', dilations: pair(cfg.dilationRate, 1) };
          const kind = type === 'Conv2D' ? 'conv' : 'depthwise';
          out = at({ op: { kind, kernel: w[0].clone() as tf.Tensor4D, bias: cfg.useBias ? (w[1].clone() as tf.Tensor1D) : undefined, ...geometry } });
          break;
        }
        case 'BatchNormalization': {
          const axis = cfg.axis === undefined ? -1 : Number(Array.isArray(cfg.axis) ? cfg.axis[0] : cfg.axis);
          const rank = layer.inboundNodes.length ? ((layer.input as tfl.SymbolicTensor).shape.length ?? 0) : 0;
          if (axis !== -1 && axis !== rank - 1) throw cannot(path, name, type, `it normalises axis ${axis}, not the channels`);
          let k = 0;
          const gamma = cfg.scale === false ? undefined : w[k++];
          const beta = cfg.center === false ? undefined : w[k++];
          const [mean, variance] = [w[k], w[k + 1]];
          const { scale, shift } = tf.tidy(() => {
            const s = tf.div(gamma ?? tf.onesLike(mean), tf.sqrt(tf.add(variance, Number(cfg.epsilon ?? 1e-3))));
            return { scale: s as tf.Tensor1D, shift: tf.sub(beta ?? tf.zerosLike(mean), tf.mul(mean, s)) as tf.Tensor1D };
          });
          out = at({ op: { kind: 'affine', scale, shift } });
          break;
        }
        case 'Rescaling': {
          const [s, o] = [Number(cfg.scale ?? 1), Number(cfg.offset ?? 0)];
          const c = (layer.outputShape as number[]).at(-1) ?? 1;
          out = at({ op: { kind: 'affine', scale: tf.fill([c], s) as tf.Tensor1D, shift: tf.fill([c], o) as tf.Tensor1D } });
          break;
        }
        case 'MaxPooling2D':
        case 'AveragePooling2D': {
          const size = pair(cfg.poolSize, 2);
          if (cfg.padding !== 'same' && cfg.padding !== 'valid') throw cannot(path, name, type, `padding "${String(cfg.padding)}"`);
          const kind = type === 'MaxPooling2D' ? 'maxpool' : 'avgpool';
          out = at({ op: { kind, size, strides: cfg.strides == null ? size : pair(cfg.strides, 1), pad: cfg.padding } });
          break;
        }
        case 'GlobalAveragePooling2D':
        case 'GlobalMaxPooling2D':
          if (cfg.keepDims === true) throw cannot(path, name, type, 'keepDims');
          out = at({ op: { kind: type === 'GlobalAveragePooling2D' ? 'gap' : 'gmp' } });
          break;
        case 'ReLU': {
          if (Number(cfg.negativeSlope ?? 0) !== 0 || Number(cfg.threshold ?? 0) !== 0) throw cannot(path, name, type, 'a leaky or thresholded ReLU');
          out = at({ op: { kind: 'relu', max: cfg.maxValue == null ? undefined : Number(cfg.maxValue) } });
          break;
        }
        case 'Activation':
          out = inputs[0];
          break;
        case 'Softmax':
          if (!outputLayers.includes(name)) throw cannot(path, name, type, 'a softmax before the output');
          out = inputs[0];
          break;
        case 'Add':
          out = at({ op: { kind: 'add' } });
          break;
        case 'Concatenate': {
          const rank = (layer.outputShape as number[]).length;
          const axis = Number(cfg.axis ?? -1);
          out = at({ op: { kind: 'concat', axis: axis < 0 ? rank + axis : axis } });
          break;
        }
        case 'Flatten':
        case 'Reshape':
          out = at({ op: { kind: 'reshape', shape: (layer.outputShape as (number | null)[]).slice(1).map(Number) } });
          break;
        case 'ZeroPadding2D': {
          const p = cfg.padding as number | number[] | number[][];
          const pads: [[number, number], [number, number]] = Array.isArray(p)
            ? Array.isArray(p[0])
              ? [pair((p as number[][])[0], 0), pair((p as number[][])[1], 0)]
              : [pair((p as number[])[0], 0), pair((p as number[])[1], 0)]
            : [pair(p, 0), pair(p, 0)];
          out = at({ op: { kind: 'pad', pads } });
          break;
        }
        case 'Dropout':
        case 'SpatialDropout2D':
        case 'GaussianNoise':
        case 'GaussianDropout':
        case 'AlphaDropout':
          out = at({ op: { kind: 'identity' } });
          break;
        default:
          if (layer instanceof Normalization) {
            const mean = layer.meanValues();
            const variance = (layer as unknown as { varianceValues(): number[] }).varianceValues?.();
            if (!variance) throw cannot(path, name, type);
            out = at({
              op: {
                kind: 'affine',
                scale: tf.tensor1d(variance.map((v) => 1 / Math.sqrt(Math.max(v, 1e-7)))),
                shift: tf.tensor1d(mean.map((m, i) => -m / Math.sqrt(Math.max(variance[i], 1e-7)))),
              },
            });
            break;
          }
          throw cannot(path, name, type);
      }
      // A layer's own activation after it; a softmax only at the output, where LRP starts from the logits.
      const activation = typeof cfg.activation === 'string' ? cfg.activation : undefined;
      if (activation === 'relu' || activation === 'relu6') {
        out = push({ name, type, op: { kind: 'relu', max: activation === 'relu6' ? 6 : undefined }, inputs: [out] });
      } else if (activation === 'softmax' && outputLayers.includes(name)) {
        // logits: nothing to add
      } else if (activation !== undefined && activation !== 'linear') {
        throw cannot(path, name, type, `activation "${activation}"${activation === 'softmax' ? ' before the output' : ''}`);
      }
      index.set(name, out);
    }
    const outputs = outputLayers.map((l) => {
      const i = index.get(l);
      if (i === undefined) throw new InputError(`${path}: LRP found no node for the output layer "${l}"`);
      return i;
    });
    return foldBatchNorm({ nodes, outputs });
  } catch (err) {
    disposeLrpGraph({ nodes, outputs: [] });
    throw err;
  }
}

/**
 * Folds each affine node (batch norm) into the dense or convolution node before it, when that node feeds
 * only the affine one: kernel·scale per output channel, bias·scale + shift. The affine node becomes an identity.
 */
export function foldBatchNorm(g: LrpGraph): LrpGraph {
  const readers = new Map<number, number>();
  for (const n of g.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  g.nodes.forEach((n, i) => {
    if (n.op.kind !== 'affine' || n.inputs.length !== 1) return;
    const prev = g.nodes[n.inputs[0]];
    const p = prev.op;
    if ((p.kind !== 'dense' && p.kind !== 'conv' && p.kind !== 'depthwise') || readers.get(n.inputs[0]) !== 1 || g.outputs.includes(n.inputs[0])) return;
    const { scale, shift } = n.op;
    const [kernel, bias] = tf.tidy(() => {
      const k = p.kind === 'depthwise' ? tf.mul(p.kernel, tf.reshape(scale, [1, 1, p.kernel.shape[2], p.kernel.shape[3]])) : tf.mul(p.kernel, scale);
      const b = tf.add(tf.mul(p.bias ?? tf.zerosLike(scale), scale), shift);
      return [k, b];
    });
    p.kernel.dispose();
    p.bias?.dispose();
    p.kernel = kernel as never;
    p.bias = bias as tf.Tensor1D;
    scale.dispose();
    shift.dispose();
    g.nodes[i] = { ...n, op: { kind: 'identity' } };
  });
  return g;
}
