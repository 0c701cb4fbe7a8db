// Models the end-to-end tests and the host benchmark need beyond the committed demo, written at run
// time into the folder given: `mobilenet-v2/` (MobileNetV2 shape, dozens of 4-D layers, random weights)
// `two-heads/` (one image in, two classifier outputs, for the output picker), `logsoftmax/` (an ONNX
// classifier ending in LogSoftmax, as PyTorch exports `F.log_softmax` heads, with an ImageNet-style
// classes.json) and `truncated/` (the same file cut in half).
// Usage: node --import tsx test/e2e/make-models.ts <dir>
import * as tfl from '@tensorflow/tfjs-layers';

import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../src/core/explain/random';
import { ModelType } from '../../src/core/model/onnx/proto';
import { mobileNetV2Layers } from '../../bench/lib/mobilenet-v2';
import { initEngine } from '../../src/core/engine/backend';
import { saveLayersModel } from '../../src/core/model/save';

function twoHeads(): tfl.LayersModel {
  const init = (s: number) => tfl.initializers.glorotNormal({ seed: s });
  const input = tfl.input({ shape: [32, 32, 3], name: 'image' });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv_a' })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv_b' })
    .apply(x) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const shape = tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(3), name: 'shape' }).apply(gap) as tfl.SymbolicTensor;
  const colour = tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4), name: 'colour' }).apply(gap) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: [shape, colour] });
}

/** NCHW 1×3×64×64 → Conv 3×3 (8) → Relu → Conv 3×3 stride 2 (8) → Relu → GlobalAveragePool → Flatten → Gemm (4) → LogSoftmax. */
function logSoftmaxClassifier(): Uint8Array {
  const rand = mulberry32(5);
  const w = (n: number, scale: number) => Array.from({ length: n }, () => (2 * rand() - 1) * scale);
  const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
  return ModelType.encode(
    ModelType.fromObject({
      irVersion: 7,
      producerName: 'pytorch',
      producerVersion: '2.1.0',
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'main_graph',
        node: [
          {
            input: ['input', 'conv1.weight', 'conv1.bias'],
            output: ['/conv1/Conv_output_0'],
            name: '/conv1/Conv',
            opType: 'Conv',
            attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])],
          },
          { input: ['/conv1/Conv_output_0'], output: ['/relu1/Relu_output_0'], name: '/relu1/Relu', opType: 'Relu' },
          {
            input: ['/relu1/Relu_output_0', 'conv2.weight', 'conv2.bias'],
            output: ['/conv2/Conv_output_0'],
            name: '/conv2/Conv',
            opType: 'Conv',
            attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])],
          },
          { input: ['/conv2/Conv_output_0'], output: ['/relu2/Relu_output_0'], name: '/relu2/Relu', opType: 'Relu' },
          { input: ['/relu2/Relu_output_0'], output: ['/pool/GlobalAveragePool_output_0'], name: '/pool/GlobalAveragePool', opType: 'GlobalAveragePool' },
          {
            input: ['/pool/GlobalAveragePool_output_0'],
            output: ['/Flatten_output_0'],
            name: '/Flatten',
            opType: 'Flatten',
            attribute: [{ name: 'axis', type: 2, i: 1 }],
          },
          {
            input: ['/Flatten_output_0', 'fc.weight', 'fc.bias'],
            output: ['/fc/Gemm_output_0'],
            name: '/fc/Gemm',
            opType: 'Gemm',
            attribute: [{ name: 'transB', type: 2, i: 1 }],
          },
          { input: ['/fc/Gemm_output_0'], output: ['output'], name: '/LogSoftmax', opType: 'LogSoftmax', attribute: [{ name: 'axis', type: 2, i: 1 }] },
        ],
        initializer: [
          { name: 'conv1.weight', dims: [8, 3, 3, 3], dataType: 1, floatData: w(8 * 27, 0.5) },
          { name: 'conv1.bias', dims: [8], dataType: 1, floatData: w(8, 0.1) },
          { name: 'conv2.weight', dims: [8, 8, 3, 3], dataType: 1, floatData: w(8 * 72, 0.3) },
          { name: 'conv2.bias', dims: [8], dataType: 1, floatData: w(8, 0.1) },
          { name: 'fc.weight', dims: [4, 8], dataType: 1, floatData: w(32, 3) },
          { name: 'fc.bias', dims: [4], dataType: 1, floatData: w(4, 0.5) },
        ],
        input: [{ name: 'input', type: { tensorType: { elemType: 1, shape: { dim: [1, 3, 64, 64].map((d) => ({ dimValue: d })) } } } }],
        output: [{ name: 'output', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } } }],
      },
    }),
  ).finish();
}

async function main(dir: string | undefined): Promise<void> {
  if (!dir) throw new Error('usage: make-models.ts <dir>');
  await initEngine({ backend: 'cpu' });
  await saveLayersModel(mobileNetV2Layers(), path.join(dir, 'mobilenet-v2'));
  await saveLayersModel(twoHeads(), path.join(dir, 'two-heads'));
  const onnx = logSoftmaxClassifier();
  fs.mkdirSync(path.join(dir, 'logsoftmax'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'logsoftmax', 'classifier.onnx'), onnx);
  fs.writeFileSync(
    path.join(dir, 'logsoftmax', 'classes.json'),
    JSON.stringify({ 0: ['s0', 'circle'], 1: ['s1', 'square'], 2: ['s2', 'triangle'], 3: ['s3', 'cross'] }),
  );
  fs.mkdirSync(path.join(dir, 'truncated'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'truncated', 'model.onnx'), onnx.subarray(0, Math.floor(onnx.length / 2)));
  console.log(`wrote ${dir}/mobilenet-v2, two-heads, logsoftmax and truncated`);
}

void main(process.argv[2]);
