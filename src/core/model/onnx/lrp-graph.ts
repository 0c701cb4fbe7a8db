/**
 * A translated ONNX graph as an LRP graph (model/lrp-graph.ts): the nodes between the input and the logits,
 * images channels-last as everywhere in the translation (weights permuted once, ONNX's channel axis 1 read
 * as axis 3, a Flatten of an image reading it in ONNX's C, H, W order). Covered: Conv (plain and depthwise),
 * Gemm, MatMul with a constant and the Add of its bias, BatchNormalization, Relu, Clip from 0 (ReLU6),
 * MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, Add, Concat, Flatten, Reshape to a flat vector,
 * Identity and Dropout; any other operator is named in the error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../errors';
import { printable } from '../../io/files';
import { foldBatchNorm, disposeLrpGraph, LRP_LAYERS, type LrpGraph, type LrpNode, type LrpOp } from '../lrp-graph';
import { pair2, spatialPads } from './ops/conv';
import type { OpContext } from './ops/common';
import { hostData, plain, type Value } from './ops/value';
import type { OnnxNode } from './proto';

export interface OnnxLrpSource {
  path: string;
  /** The running nodes in order (constants folded away). */
  nodes: OnnxNode[];
  constant(name: string): Value | undefined;
  input: string;
  /** The logits' value names, one per output. */
  outputs: string[];
  /** Each computed value's stored shape and whether it is a channels-last image, from one pass. */
  values: Map<string, { shape: number[]; nhwc: boolean }>;
}

/** ONNX's axis of a 4-D image (N, C, H, W) as the axis of its channels-last tensor. */
const NHWC_AXIS = [0, 3, 1, 2];

export function onnxLrpGraph(src: OnnxLrpSource): LrpGraph {
  const { path } = src;
  const producers = new Map<string, OnnxNode>();
  for (const n of src.nodes) for (const o of n.outputs) producers.set(o, n);
  // Only the nodes the logits depend on.
  const needed = new Set<OnnxNode>();
  const stack = [...src.outputs];
  while (stack.length) {
    const p = producers.get(stack.pop()!);
    if (!p || needed.has(p)) continue;
    needed.add(p);
    stack.push(...p.inputs.filter((i) => i !== ''));
  }
  const nodes: LrpNode[] = [];
  const index = new Map<string, number>([[src.input, 0]]);
  nodes.push({ name: src.input, type: 'input', op: { kind: 'input' }, inputs: [] });
  const readers = new Map<string, number>();
  for (const n of needed) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);

  try {
    for (const n of src.nodes) {
      if (!needed.has(n)) continue;
      const name = n.name || n.outputs[0];
      const cannot = (why = '') =>
        new InputError(`${path}: LRP cannot handle node "${printable(name)}" (${printable(n.opType)})${why ? `: ${why}` : ''}; it covers ${LRP_LAYERS}`);
      const ctx = {
        int: (k: string, f: number) => n.attrs.get(k)?.i ?? f,
        float: (k: string, f: number) => n.attrs.get(k)?.f ?? f,
        ints: (k: string, f?: number[]) => n.attrs.get(k)?.ints ?? f,
        str: (k: string, f: string) => n.attrs.get(k)?.s ?? f,
      } as unknown as OpContext;
      const tensorInputs = n.inputs.filter((i) => i !== '' && !src.constant(i));
      const from = tensorInputs.map((i) => {
        const k = index.get(i);
        if (k === undefined) throw cannot(`its input "${printable(i)}" is not computed from the image`);
        return k;
      });
      const info = (v: string) => src.values.get(v);
      const constTensor = (v: string | undefined): tf.Tensor | undefined => {
        const c = v ? src.constant(v) : undefined;
        return c ? tf.cast(plain(c), 'float32') : undefined;
      };
      const push = (op: LrpOp, inputs = from) => nodes.push({ name, type: n.opType, op, inputs }) - 1;
      let out: number;
      switch (n.opType) {
        case 'Conv': {
          const x = info(n.inputs[0]);
          const w = constTensor(n.inputs[1]);
          if (!x?.nhwc || !w || w.rank !== 4) throw cannot('it needs an image input and constant 4-D weights');
          const [M, Cg, kH, kW] = w.shape;
          const C = x.shape[3];
          const group = ctx.int('group', 1);
          const strides = pair2(ctx, 'strides', [1, 1]);
          const dilations = pair2(ctx, 'dilations', [1, 1]);
          const [t, l, b, r] = spatialPads(ctx, x.shape[1], x.shape[2], kH, kW, strides[0], strides[1], dilations[0], dilations[1]);
          const geometry = {
            strides,
            dilations,
            pad: [
              [t, b],
              [l, r],
            ] as [[number, number], [number, number]],
          };
          const bias = constTensor(n.inputs[2]) as tf.Tensor1D | undefined;
          if (group === 1) out = push({ kind: 'conv', kernel: tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, bias, ...geometry });
          else if (Cg === 1 && group === C)
            out = push({ kind: 'depthwise', kernel: tf.transpose(tf.reshape(w, [C, M / C, kH, kW]), [2, 3, 0, 1]) as tf.Tensor4D, bias, ...geometry });
          else throw cannot(`a grouped convolution (group ${group})`);
          w.dispose();
          break;
        }
        case 'Gemm':
        case 'MatMul': {
          const b = constTensor(n.inputs[1]);
          if (!b || b.rank !== 2 || from.length !== 1 || info(n.inputs[0])?.shape.length !== 2) throw cannot('it needs a 2-D input and a constant 2-D weight');
          if (ctx.int('transA', 0) === 1) throw cannot('transA');
          const kernel = tf.tidy(() => {
            const k = n.opType === 'Gemm' && ctx.int('transB', 0) === 1 ? tf.transpose(b) : b;
            const alpha = n.opType === 'Gemm' ? ctx.float('alpha', 1) : 1;
            return (alpha === 1 ? tf.clone(k) : tf.mul(k, alpha)) as tf.Tensor2D;
          });
          b.dispose();
          const c = n.opType === 'Gemm' ? constTensor(n.inputs[2]) : undefined;
          const bias = c ? (tf.tidy(() => tf.reshape(tf.mul(c, ctx.float('beta', 1)), [-1])) as tf.Tensor1D) : undefined;
          c?.dispose();
          if (bias && bias.size !== kernel.shape[1]) throw cannot(`its C has ${bias.size} values for ${kernel.shape[1]} outputs`);
          out = push({ kind: 'dense', kernel, bias });
          break;
        }
        case 'Add': {
          const c = n.inputs.find((i) => src.constant(i));
          if (c === undefined) {
            if (from.length !== 2) throw cannot();
            out = push({ kind: 'add' });
            break;
          }
          // A bias after a MatMul or a Conv without one: folded into it.
          const prev = nodes[from[0]];
          const bias = constTensor(c)!;
          const p = prev.op;
          if ((p.kind === 'dense' || p.kind === 'conv' || p.kind === 'depthwise') && !p.bias && readers.get(tensorInputs[0]) === 1) {
            const channels = p.kind === 'dense' ? p.kernel.shape[1] : p.kind === 'conv' ? p.kernel.shape[3] : p.kernel.shape[2] * p.kernel.shape[3];
            if (bias.size === channels) {
              p.bias = tf.reshape(bias, [-1]) as tf.Tensor1D;
              bias.dispose();
              out = from[0];
              break;
            }
          }
          bias.dispose();
          throw cannot('it adds a constant that is not the bias of the layer before');
        }
        case 'BatchNormalization': {
          const [scale, shift, mean, variance] = n.inputs.slice(1, 5).map((i) => constTensor(i));
          if (!scale || !shift || !mean || !variance) throw cannot('its parameters are not constants');
          const eps = ctx.float('epsilon', 1e-5);
          const s = tf.tidy(() => tf.div(scale, tf.sqrt(tf.add(variance, eps)))) as tf.Tensor1D;
          const o = tf.tidy(() => tf.sub(shift, tf.mul(mean, s))) as tf.Tensor1D;
          tf.dispose([scale, shift, mean, variance]);
          out = push({ kind: 'affine', scale: s, shift: o });
          break;
        }
        case 'Relu':
          out = push({ kind: 'relu' });
          break;
        case 'Clip': {
          const bound = (i: number, attr: string, fallback: number) => {
            const t = constTensor(n.inputs[i]);
            const v = t ? t.dataSync()[0] : ctx.float(attr, fallback);
            t?.dispose();
            return v;
          };
          const [lo, hi] = [bound(1, 'min', -Infinity), bound(2, 'max', Infinity)];
          if (lo !== 0) throw cannot(`a clip from ${lo} (only a ReLU, from 0, is covered)`);
          out = push({ kind: 'relu', max: Number.isFinite(hi) && hi < 3e38 ? hi : undefined });
          break;
        }
        case 'MaxPool':
        case 'AveragePool': {
          const x = info(n.inputs[0]);
          if (!x?.nhwc) throw cannot('its input is not an image');
          const size = pair2(ctx, 'kernel_shape');
          const strides = pair2(ctx, 'strides', [1, 1]);
          if (ctx.int('ceil_mode', 0) !== 0) throw cannot('ceil_mode');
          const [dH, dW] = pair2(ctx, 'dilations', [1, 1]);
          if (dH !== 1 || dW !== 1) throw cannot('dilations');
          const [t, l, b, r] = spatialPads(ctx, x.shape[1], x.shape[2], size[0], size[1], strides[0], strides[1]);
          let input = from[0];
          if (t || l || b || r) {
            if (n.opType === 'AveragePool' && ctx.int('count_include_pad', 0) !== 1) throw cannot('padding left out of the average (count_include_pad 0)');
            const value = n.opType === 'MaxPool' ? -3.4e38 : 0;
            input = push(
              {
                kind: 'pad',
                pads: [
                  [t, b],
                  [l, r],
                ],
                value,
              },
              from,
            );
          }
          out = push({ kind: n.opType === 'MaxPool' ? 'maxpool' : 'avgpool', size, strides, pad: 'valid' }, [input]);
          break;
        }
        case 'GlobalAveragePool':
        case 'GlobalMaxPool': {
          const x = info(n.inputs[0]);
          if (!x?.nhwc) throw cannot('its input is not an image');
          // ONNX keeps the pooled value 4-D (N, C, 1, 1): so does the graph.
          const pooled = push({ kind: n.opType === 'GlobalAveragePool' ? 'gap' : 'gmp' });
          out = push({ kind: 'reshape', shape: [1, 1, x.shape[3]] }, [pooled]);
          break;
        }
        case 'Flatten':
        case 'Reshape': {
          const x = info(n.inputs[0]);
          const y = info(n.outputs[0]);
          if (!x || !y) throw cannot();
          if (y.shape.length === 4 && y.nhwc) throw cannot('it reshapes to another image');
          if (n.opType === 'Flatten' && ctx.int('axis', 1) !== 1) throw cannot(`axis ${ctx.int('axis', 1)}`);
          out = push({ kind: 'reshape', shape: y.shape.slice(1), fromNhwc: x.nhwc || undefined });
          break;
        }
        case 'Concat': {
          const x = info(n.inputs[0]);
          if (!x) throw cannot();
          const rank = x.shape.length;
          const a = ctx.int('axis', 1);
          const axis = a < 0 ? rank + a : a;
          out = push({ kind: 'concat', axis: x.nhwc ? NHWC_AXIS[axis] : axis });
          break;
        }
        case 'Pad': {
          const x = info(n.inputs[0]);
          const p = n.inputs[1] && src.constant(n.inputs[1]) ? hostData(src.constant(n.inputs[1])!) : ctx.ints('pads', []);
          const value = n.inputs[2] && src.constant(n.inputs[2]) ? hostData(src.constant(n.inputs[2])!)[0] : ctx.float('value', 0);
          if (!x?.nhwc || !p || p.length !== 8 || ctx.str('mode', 'constant') !== 'constant' || p[0] || p[1] || p[4] || p[5] || p.some((v) => v < 0))
            throw cannot("only constant padding of an image's height and width is covered");
          out = push({
            kind: 'pad',
            pads: [
              [p[2], p[6]],
              [p[3], p[7]],
            ],
            value,
          });
          break;
        }
        case 'Identity':
        case 'Dropout':
          out = push({ kind: 'identity' });
          break;
        default:
          throw cannot();
      }
      index.set(n.outputs[0], out);
    }
    const outputs = src.outputs.map((o) => {
      const i = index.get(o);
      if (i === undefined) throw new InputError(`${path}: LRP found no node for the output "${printable(o)}"`);
      return i;
    });
    return foldBatchNorm({ nodes, outputs });
  } catch (err) {
    disposeLrpGraph({ nodes, outputs: [] });
    throw err;
  }
}
