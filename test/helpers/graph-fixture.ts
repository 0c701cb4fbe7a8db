import * as fs from 'node:fs';
import * as path from 'node:path';
import { gaussianNoise } from '../../src/core/explain/random';

/**
 * Writes a graph model as tensorflowjs_converter 4.x does for a small MobileNet-like net, with
 * the fused ops converters emit: _FusedConv2D (BiasAdd, Relu6), FusedDepthwiseConv2dNative
 * (BiasAdd, Relu6), Mean (global pooling), _FusedMatMul (BiasAdd), Softmax → Identity.
 */
export interface GraphWeights {
  convK: Float32Array; // [3,3,3,4]
  convB: Float32Array; // [4]
  dwK: Float32Array; // [3,3,4,1]
  dwB: Float32Array; // [4]
  fcW: Float32Array; // [4,3]
  fcB: Float32Array; // [3]
}

export const GRAPH_SIZE = 12;

export function graphWeights(seed = 3): GraphWeights {
  return {
    convK: gaussianNoise(3 * 3 * 3 * 4, 0.5, seed),
    convB: gaussianNoise(4, 0.1, seed + 1),
    dwK: gaussianNoise(3 * 3 * 4, 0.5, seed + 2),
    dwB: gaussianNoise(4, 0.1, seed + 3),
    fcW: gaussianNoise(12, 1, seed + 4),
    fcB: gaussianNoise(3, 0.1, seed + 5),
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const F = { type: 'DT_FLOAT' };
const ints = (xs: number[]) => ({ list: { i: xs.map(String) } });
const shapeOf = (dims: number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });

function constNode(name: string, dims: number[], dtype = 'DT_FLOAT') {
  return { name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: shapeOf(dims) } }, dtype: { type: dtype } } };
}

/** The graph's last operation before its Identity output: a converter's Softmax (default), LogSoftmax, Sigmoid, or none (logits). */
export type GraphHead = 'Softmax' | 'LogSoftmax' | 'Sigmoid' | 'none';

export function writeGraphModel(dir: string, w: GraphWeights = graphWeights(), head: GraphHead = 'Softmax'): string {
  fs.mkdirSync(dir, { recursive: true });
  const fused = (ops: string[]) => ({ list: { s: ops.map(b64) } });
  const nodes = [
    { name: 'input', op: 'Placeholder', attr: { dtype: F, shape: { shape: shapeOf([-1, GRAPH_SIZE, GRAPH_SIZE, 3]) } } },
    constNode('conv/kernel', [3, 3, 3, 4]),
    constNode('conv/bias', [4]),
    constNode('dw/kernel', [3, 3, 4, 1]),
    constNode('dw/bias', [4]),
    constNode('pool/axes', [2], 'DT_INT32'),
    constNode('fc/kernel', [4, 3]),
    constNode('fc/bias', [3]),
    {
      name: 'conv/Relu6',
      op: '_FusedConv2D',
      input: ['input', 'conv/kernel', 'conv/bias'],
      attr: {
        T: F,
        strides: ints([1, 2, 2, 1]),
        padding: { s: b64('SAME') },
        data_format: { s: b64('NHWC') },
        dilations: ints([1, 1, 1, 1]),
        num_args: { i: '1' },
        fused_ops: fused(['BiasAdd', 'Relu6']),
        epsilon: { f: 0 },
        explicit_paddings: { list: {} },
      },
    },
    {
      name: 'dw/Relu6',
      op: 'FusedDepthwiseConv2dNative',
      input: ['conv/Relu6', 'dw/kernel', 'dw/bias'],
      attr: {
        T: F,
        strides: ints([1, 1, 1, 1]),
        padding: { s: b64('SAME') },
        data_format: { s: b64('NHWC') },
        dilations: ints([1, 1, 1, 1]),
        num_args: { i: '1' },
        fused_ops: fused(['BiasAdd', 'Relu6']),
      },
    },
    { name: 'pool/Mean', op: 'Mean', input: ['dw/Relu6', 'pool/axes'], attr: { T: F, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
    {
      name: 'fc/BiasAdd',
      op: '_FusedMatMul',
      input: ['pool/Mean', 'fc/kernel', 'fc/bias'],
      attr: { T: F, transpose_a: { b: false }, transpose_b: { b: false }, num_args: { i: '1' }, fused_ops: fused(['BiasAdd']), epsilon: { f: 0 } },
    },
    ...(head === 'none' ? [] : [{ name: `fc/${head}`, op: head, input: ['fc/BiasAdd'], attr: { T: F } }]),
    { name: 'Identity', op: 'Identity', input: [head === 'none' ? 'fc/BiasAdd' : `fc/${head}`], attr: { T: F } },
  ];
  const specs: { name: string; shape: number[]; dtype: string; data: ArrayLike<number> }[] = [
    { name: 'conv/kernel', shape: [3, 3, 3, 4], dtype: 'float32', data: w.convK },
    { name: 'conv/bias', shape: [4], dtype: 'float32', data: w.convB },
    { name: 'dw/kernel', shape: [3, 3, 4, 1], dtype: 'float32', data: w.dwK },
    { name: 'dw/bias', shape: [4], dtype: 'float32', data: w.dwB },
    { name: 'pool/axes', shape: [2], dtype: 'int32', data: [1, 2] },
    { name: 'fc/kernel', shape: [4, 3], dtype: 'float32', data: w.fcW },
    { name: 'fc/bias', shape: [3], dtype: 'float32', data: w.fcB },
  ];
  const bytes = Buffer.concat(specs.map((s) => Buffer.from((s.dtype === 'int32' ? Int32Array.from(s.data) : Float32Array.from(s.data)).buffer)));
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), bytes);
  const json = {
    format: 'graph-model',
    generatedBy: '2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    signature: {
      inputs: { input: { name: 'input:0', dtype: 'DT_FLOAT', tensorShape: shapeOf([-1, GRAPH_SIZE, GRAPH_SIZE, 3]) } },
      outputs: { Identity: { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: shapeOf([-1, 3]) } },
    },
    modelTopology: { node: nodes, library: {}, versions: { producer: 1645 } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
  };
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}
