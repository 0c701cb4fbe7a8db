import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-web';
import { initEngine } from '../../../src/core/engine/backend';
import { OnnxInspectableModel } from '../../../src/core/model/onnx/model';
import { decodeOnnx, ModelType } from '../../../src/core/model/onnx/proto';
import { mulberry32 } from '../../../src/core/explain/random';

/**
 * Each operator (and the opset variants where attributes became inputs) against onnxruntime-web,
 * a test-only forward oracle: a small graph is encoded with protobufjs, run by both, and the
 * outputs compared (Model Lens's channels-last images transposed back to NCHW).
 */
type Attr = { i?: number; f?: number; s?: string; ints?: number[]; floats?: number[] };
interface NodeSpec {
  op: string;
  inputs: string[];
  outputs?: string[];
  attrs?: Record<string, Attr>;
}
interface Init {
  name: string;
  dims: number[];
  data: number[];
  int64?: boolean;
}

function attribute(name: string, a: Attr): object {
  if (a.ints) return { name, type: 7, ints: a.ints };
  if (a.floats) return { name, type: 6, floats: a.floats };
  if (a.s !== undefined) return { name, type: 3, s: new TextEncoder().encode(a.s) };
  if (a.f !== undefined) return { name, type: 1, f: a.f };
  return { name, type: 2, i: a.i };
}

function encode(nodes: NodeSpec[], inputDims: number[], inits: Init[], opset: number): Uint8Array {
  const last = nodes[nodes.length - 1];
  return ModelType.encode(
    ModelType.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: 'g',
        node: nodes.map((n, k) => ({
          input: n.inputs,
          output: n.outputs ?? [k === nodes.length - 1 ? 'y' : `t${k}`],
          name: `n${k}`,
          opType: n.op,
          attribute: Object.entries(n.attrs ?? {}).map(([name, a]) => attribute(name, a)),
        })),
        initializer: inits.map((t) =>
          t.int64 ? { name: t.name, dims: t.dims, dataType: 7, int64Data: t.data } : { name: t.name, dims: t.dims, dataType: 1, floatData: t.data },
        ),
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: inputDims.map((d) => ({ dimValue: d })) } } } }],
        output: [{ name: (last.outputs ?? ['y'])[0], type: { tensorType: { elemType: 1 } } }],
      },
    }),
  ).finish();
}

const floats = (n: number, seed: number, lo = -1, hi = 1): number[] => {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * rand());
};

async function check(name: string, nodes: NodeSpec[], inputDims: number[], inits: Init[] = [], opset = 13, tol = 1e-4): Promise<void> {
  const bytes = encode(nodes, inputDims, inits, opset);
  const x = floats(
    inputDims.reduce((a, b) => a * b, 1),
    name.length * 7 + 1,
    -2,
    2,
  );
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), inputDims) });
  const expected = result[session.outputNames[0]];
  const before = tf.memory().numTensors;
  const model = new OnnxInspectableModel(
    name,
    decodeOnnx(bytes, () => new Uint8Array(0)),
  );
  const channelsFirst = model.inputs[0].shape.length === 4 && model.inputs[0].shape[3] === inputDims[1] && inputDims[1] !== inputDims[3];
  const got = tf.tidy(() => {
    let input = tf.tensor(x, inputDims);
    if (channelsFirst) input = tf.transpose(input, [0, 2, 3, 1]);
    let y = model.forward(input, { logits: false }).outputs[0];
    if (model.isChannelsLast(session.outputNames[0])) y = tf.transpose(y, [0, 3, 1, 2]);
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
  model.dispose();
  assert.equal(tf.memory().numTensors, before, `${name}: tensors left behind`);
  assert.deepEqual(got.shape, [...expected.dims], `${name}: shape`);
  const want = Array.from(expected.data as Float32Array);
  const worst = Math.max(0, ...want.map((v, i) => Math.abs(v - got.values[i]) / Math.max(1, Math.abs(v))));
  assert.ok(worst <= tol, `${name}: worst difference ${worst}`);
}

const IMG = [1, 3, 7, 7];
const w = (name: string, dims: number[], seed: number): Init => ({
  name,
  dims,
  data: floats(
    dims.reduce((a, b) => a * b, 1),
    seed,
  ),
});
const i64 = (name: string, data: number[], dims = [data.length]): Init => ({ name, dims, data, int64: true });

const CASES: [string, NodeSpec[], number[], Init[], number?][] = [
  [
    'Conv pads strides bias',
    [{ op: 'Conv', inputs: ['x', 'W', 'B'], attrs: { pads: { ints: [1, 0, 2, 1] }, strides: { ints: [2, 2] } } }],
    IMG,
    [w('W', [5, 3, 3, 3], 1), w('B', [5], 2)],
  ],
  [
    'Conv SAME_UPPER',
    [{ op: 'Conv', inputs: ['x', 'W'], attrs: { auto_pad: { s: 'SAME_UPPER' }, strides: { ints: [2, 2] } } }],
    IMG,
    [w('W', [4, 3, 3, 3], 3)],
  ],
  [
    'Conv SAME_LOWER',
    [{ op: 'Conv', inputs: ['x', 'W'], attrs: { auto_pad: { s: 'SAME_LOWER' }, strides: { ints: [2, 2] }, kernel_shape: { ints: [2, 2] } } }],
    IMG,
    [w('W', [4, 3, 2, 2], 4)],
  ],
  [
    'Conv dilations',
    [{ op: 'Conv', inputs: ['x', 'W'], attrs: { pads: { ints: [2, 2, 2, 2] }, dilations: { ints: [2, 2] } } }],
    IMG,
    [w('W', [4, 3, 3, 3], 5)],
  ],
  [
    'Conv depthwise, multiplier 2',
    [{ op: 'Conv', inputs: ['x', 'W', 'B'], attrs: { group: { i: 3 }, pads: { ints: [1, 1, 1, 1] } } }],
    IMG,
    [w('W', [6, 1, 3, 3], 6), w('B', [6], 7)],
  ],
  [
    'Conv grouped',
    [
      { op: 'Relu', inputs: ['x'] },
      { op: 'Conv', inputs: ['t0', 'W'], attrs: { group: { i: 2 } } },
    ],
    [1, 4, 6, 6],
    [w('W', [6, 2, 3, 3], 8)],
  ],
  [
    'ConvTranspose stride 2, pads, output_padding',
    [{ op: 'ConvTranspose', inputs: ['x', 'W', 'B'], attrs: { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, output_padding: { ints: [1, 1] } } }],
    IMG,
    [w('W', [3, 4, 3, 3], 9), w('B', [4], 10)],
  ],
  [
    'Gemm transB alpha beta',
    [{ op: 'Gemm', inputs: ['x', 'B', 'C'], attrs: { transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } } }],
    [2, 6],
    [w('B', [4, 6], 11), w('C', [4], 12)],
  ],
  ['Gemm transA', [{ op: 'Gemm', inputs: ['x', 'B'], attrs: { transA: { i: 1 } } }], [6, 2], [w('B', [6, 3], 13)]],
  ['MatMul 3-D × 2-D', [{ op: 'MatMul', inputs: ['x', 'B'] }], [2, 3, 5], [w('B', [5, 4], 14)]],
  ['Add image + [C,1,1]', [{ op: 'Add', inputs: ['x', 'b'] }], IMG, [w('b', [3, 1, 1], 15)]],
  ['Mul image × [W]', [{ op: 'Mul', inputs: ['x', 'b'] }], IMG, [w('b', [7], 16)]],
  [
    'Sub, Div by scalar',
    [
      { op: 'Sub', inputs: ['x', 'b'] },
      { op: 'Div', inputs: ['t0', 'c'] },
    ],
    IMG,
    [w('b', [1, 3, 1, 7], 17), { name: 'c', dims: [], data: [4] }],
  ],
  [
    'activations',
    [
      { op: 'LeakyRelu', inputs: ['x'], attrs: { alpha: { f: 0.2 } } },
      { op: 'HardSigmoid', inputs: ['t0'], attrs: { alpha: { f: 0.3 }, beta: { f: 0.4 } } },
      { op: 'Tanh', inputs: ['t1'] },
      { op: 'Erf', inputs: ['t2'] },
      { op: 'Sigmoid', inputs: ['t3'] },
    ],
    IMG,
    [],
  ],
  [
    'HardSwish (opset 14), Elu',
    [
      { op: 'HardSwish', inputs: ['x'] },
      { op: 'Elu', inputs: ['t0'], attrs: { alpha: { f: 0.7 } } },
    ],
    IMG,
    [],
    14,
  ],
  ['Clip (opset 6 attributes)', [{ op: 'Clip', inputs: ['x'], attrs: { min: { f: -0.5 }, max: { f: 0.7 } } }], IMG, [], 6],
  ['Clip (opset 13 inputs, min only)', [{ op: 'Clip', inputs: ['x', 'lo'] }], IMG, [{ name: 'lo', dims: [], data: [-0.25] }]],
  ['Softmax opset 11 axis 1 (flattens)', [{ op: 'Softmax', inputs: ['x'], attrs: { axis: { i: 1 } } }], [2, 3, 4], [], 11],
  ['Softmax opset 13 axis 1', [{ op: 'Softmax', inputs: ['x'], attrs: { axis: { i: 1 } } }], [2, 3, 4], []],
  ['LogSoftmax opset 13', [{ op: 'LogSoftmax', inputs: ['x'] }], [2, 5], []],
  [
    'BatchNormalization image',
    [{ op: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], attrs: { epsilon: { f: 1e-3 } } }],
    IMG,
    [w('s', [3], 18), w('b', [3], 19), w('m', [3], 20), { name: 'v', dims: [3], data: [0.5, 1, 2] }],
  ],
  [
    'BatchNormalization 2-D',
    [{ op: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'] }],
    [2, 3],
    [w('s', [3], 21), w('b', [3], 22), w('m', [3], 23), { name: 'v', dims: [3], data: [0.5, 1, 2] }],
  ],
  [
    'MaxPool pads ceil_mode',
    [{ op: 'MaxPool', inputs: ['x'], attrs: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, ceil_mode: { i: 1 } } }],
    [1, 3, 8, 8],
    [],
  ],
  [
    'AveragePool pads, padding not counted',
    [{ op: 'AveragePool', inputs: ['x'], attrs: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } } }],
    IMG,
    [],
  ],
  [
    'AveragePool pads counted',
    [
      {
        op: 'AveragePool',
        inputs: ['x'],
        attrs: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, count_include_pad: { i: 1 } },
      },
    ],
    IMG,
    [],
  ],
  [
    'AveragePool ceil_mode',
    [{ op: 'AveragePool', inputs: ['x'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } } }],
    IMG,
    [],
  ],
  [
    'GlobalAveragePool, GlobalMaxPool',
    [
      { op: 'GlobalAveragePool', inputs: ['x'] },
      { op: 'GlobalMaxPool', inputs: ['x'], outputs: ['t1'] },
      { op: 'Add', inputs: ['t0', 't1'] },
    ],
    IMG,
    [],
  ],
  ['Flatten of a 7×7 map (NCHW order)', [{ op: 'Flatten', inputs: ['x'] }], IMG, []],
  ['Flatten axis 2', [{ op: 'Flatten', inputs: ['x'], attrs: { axis: { i: 2 } } }], IMG, []],
  ['Reshape 0 and -1', [{ op: 'Reshape', inputs: ['x', 's'] }], IMG, [i64('s', [0, -1, 7])]],
  [
    'Transpose NCHW→NHWC, default perm',
    [
      { op: 'Transpose', inputs: ['x'], attrs: { perm: { ints: [0, 2, 3, 1] } } },
      { op: 'Transpose', inputs: ['t0'] },
    ],
    IMG,
    [],
  ],
  [
    'Squeeze/Unsqueeze opset 11 (attributes)',
    [
      { op: 'GlobalAveragePool', inputs: ['x'] },
      { op: 'Squeeze', inputs: ['t0'], attrs: { axes: { ints: [2, 3] } } },
      { op: 'Unsqueeze', inputs: ['t1'], attrs: { axes: { ints: [0] } } },
    ],
    IMG,
    [],
    11,
  ],
  [
    'Squeeze/Unsqueeze opset 13 (inputs)',
    [
      { op: 'GlobalAveragePool', inputs: ['x'] },
      { op: 'Squeeze', inputs: ['t0', 'a'] },
      { op: 'Unsqueeze', inputs: ['t1', 'b'] },
    ],
    IMG,
    [i64('a', [2, 3]), i64('b', [-1])],
  ],
  [
    'Concat channels and width',
    [
      { op: 'Relu', inputs: ['x'] },
      { op: 'Concat', inputs: ['x', 't0'], attrs: { axis: { i: 1 } } },
      { op: 'Concat', inputs: ['t1', 't1'], attrs: { axis: { i: -1 } } },
    ],
    IMG,
    [],
  ],
  [
    'Slice steps and negative steps (opset 13)',
    [{ op: 'Slice', inputs: ['x', 'st', 'en', 'ax', 'sp'] }],
    IMG,
    [i64('st', [0, 6, 1]), i64('en', [3, -100, 7]), i64('ax', [1, 3, 2]), i64('sp', [2, -2, 3])],
  ],
  [
    'Slice (opset 9 attributes)',
    [{ op: 'Slice', inputs: ['x'], attrs: { starts: { ints: [1, 2] }, ends: { ints: [3, 1000] }, axes: { ints: [1, 2] } } }],
    IMG,
    [],
    9,
  ],
  ['Gather channels, and a scalar index', [{ op: 'Gather', inputs: ['x', 'i'], attrs: { axis: { i: 1 } } }], IMG, [i64('i', [2, 0])]],
  ['Gather scalar', [{ op: 'Gather', inputs: ['x', 'i'], attrs: { axis: { i: 0 } } }], [3, 5], [i64('i', [1], [])]],
  [
    'x.view(x.size(0), -1): Shape → Gather → Unsqueeze → Concat → Reshape',
    [
      { op: 'Shape', inputs: ['x'] },
      { op: 'Gather', inputs: ['t0', 'zero'], attrs: { axis: { i: 0 } } },
      { op: 'Unsqueeze', inputs: ['t1', 'ax'] },
      { op: 'Concat', inputs: ['t2', 'minus1'], attrs: { axis: { i: 0 } } },
      { op: 'Reshape', inputs: ['x', 't3'] },
    ],
    IMG,
    [i64('zero', [0], []), i64('ax', [0]), i64('minus1', [-1])],
  ],
  [
    'Pad constant (opset 13) and reflect',
    [
      { op: 'Pad', inputs: ['x', 'p', 'v'] },
      { op: 'Pad', inputs: ['t0', 'q'], attrs: { mode: { s: 'reflect' } } },
    ],
    IMG,
    [i64('p', [0, 0, 1, 2, 0, 1, 0, 1]), { name: 'v', dims: [], data: [0.5] }, i64('q', [0, 0, 2, 1, 0, 0, 1, 2])],
  ],
  [
    'Resize linear half_pixel (scales)',
    [{ op: 'Resize', inputs: ['x', '', 'sc'], attrs: { mode: { s: 'linear' } } }],
    IMG,
    [{ name: 'sc', dims: [4], data: [1, 1, 2, 2] }],
  ],
  [
    'Resize linear align_corners (sizes)',
    [{ op: 'Resize', inputs: ['x', '', '', 'sz'], attrs: { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'align_corners' } } }],
    IMG,
    [i64('sz', [1, 3, 12, 10])],
  ],
  [
    'Resize nearest asymmetric floor (PyTorch)',
    [
      {
        op: 'Resize',
        inputs: ['x', '', 'sc'],
        attrs: { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } },
      },
    ],
    IMG,
    [{ name: 'sc', dims: [4], data: [1, 1, 2, 2] }],
  ],
  ['Upsample (opset 9)', [{ op: 'Upsample', inputs: ['x', 'sc'], attrs: { mode: { s: 'nearest' } } }], IMG, [{ name: 'sc', dims: [4], data: [1, 1, 2, 3] }], 9],
  ['ReduceMean opset 13 (attribute axes)', [{ op: 'ReduceMean', inputs: ['x'], attrs: { axes: { ints: [2, 3] } } }], IMG, []],
  ['ReduceMean opset 18 (input axes), keepdims 0', [{ op: 'ReduceMean', inputs: ['x', 'a'], attrs: { keepdims: { i: 0 } } }], IMG, [i64('a', [1, 3])], 18],
  [
    'LayerNormalization (opset 17)',
    [{ op: 'LayerNormalization', inputs: ['x', 's', 'b'], attrs: { epsilon: { f: 1e-5 } } }],
    [2, 5, 6],
    [w('s', [6], 24), w('b', [6], 25)],
    17,
  ],
  [
    'Resize nearest, ONNX defaults (half_pixel, round_prefer_floor)',
    [{ op: 'Resize', inputs: ['x', '', 'sc'], attrs: { mode: { s: 'nearest' } } }],
    IMG,
    [{ name: 'sc', dims: [4], data: [1, 1, 1.5, 2.5] }],
  ],
  [
    'ArgMax over channels (keepdims) → Cast',
    [
      { op: 'ArgMax', inputs: ['x'], attrs: { axis: { i: 1 } } },
      { op: 'Cast', inputs: ['t0'], attrs: { to: { i: 1 } } },
    ],
    IMG,
    [],
  ],
  [
    'ArgMin last axis (keepdims 0) → Cast',
    [
      { op: 'ArgMin', inputs: ['x'], attrs: { axis: { i: -1 }, keepdims: { i: 0 } } },
      { op: 'Cast', inputs: ['t0'], attrs: { to: { i: 1 } } },
    ],
    [2, 5],
    [],
  ],
  [
    'Greater, Less, And, Not, Equal, Or, Where on an image',
    [
      { op: 'Greater', inputs: ['x', 'c'] },
      { op: 'Less', inputs: ['x', 'd'] },
      { op: 'And', inputs: ['t0', 't1'] },
      { op: 'Not', inputs: ['t2'] },
      { op: 'Equal', inputs: ['t0', 't3'] },
      { op: 'Or', inputs: ['t4', 't1'] },
      { op: 'Where', inputs: ['t5', 'x', 'z'] },
    ],
    IMG,
    [{ name: 'c', dims: [], data: [-0.5] }, w('d', [3, 1, 1], 26), { name: 'z', dims: [1], data: [7] }],
  ],
  [
    'GreaterOrEqual, LessOrEqual (opset 12) → Cast',
    [
      { op: 'GreaterOrEqual', inputs: ['x', 'c'] },
      { op: 'LessOrEqual', inputs: ['x', 'c'], outputs: ['t1'] },
      { op: 'Cast', inputs: ['t0'], attrs: { to: { i: 1 } } },
      { op: 'Cast', inputs: ['t1'], attrs: { to: { i: 1 } } },
      { op: 'Sub', inputs: ['t2', 't3'] },
    ],
    [2, 6],
    [{ name: 'c', dims: [], data: [0.1] }],
    12,
  ],
  [
    'ConstantOfShape, Identity',
    [
      { op: 'Shape', inputs: ['x'] },
      { op: 'ConstantOfShape', inputs: ['t0'] },
      { op: 'Add', inputs: ['t1', 'x'] },
      { op: 'Identity', inputs: ['t2'] },
    ],
    [2, 3],
    [],
  ],
];

test.before(async () => {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

for (const backend of ['cpu', 'wasm'] as const) {
  for (const [name, nodes, dims, inits, opset] of CASES) {
    test(`ONNX ${name} equals onnxruntime-web on ${backend}`, async () => {
      await initEngine({ backend });
      await check(name, nodes, dims, inits, opset ?? 13);
    });
  }
}
