import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../../src/core/engine/backend';
import { defaultCamLayer } from '../../../src/core/model/cam-layers';
import { LayersInspectableModel } from '../../../src/core/model/layers-model';
import { loadModel } from '../../../src/core/model/load';
import { writeGraphModel } from '../../helpers/graph-fixture';

const fixtures = path.join(import.meta.dirname, '..', '..', 'fixtures');

test('default CAM layer: the last convolution block, past trailing dropout, pooling, padding and reshape layers', async () => {
  await initEngine({ backend: 'cpu' });
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.zeroPadding2d({ padding: 1, name: 'pad' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reshape({ targetShape: [10, 10, 4], name: 'reshape' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'fc' }).apply(x) as tfl.SymbolicTensor;
  const plain = new LayersInspectableModel('plain.json', tfl.model({ inputs: input, outputs: out }));
  // The old rule (the last 4-D layer) picked "reshape".
  assert.equal(defaultCamLayer(plain), 'conv1_relu');

  // A residual net: the last block ends in an Add, then a ReLU, then dropout and pooling.
  const r = tfl.input({ shape: [12, 12, 3] });
  const stem = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'stem' }).apply(r) as tfl.SymbolicTensor;
  let y = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'block_conv' }).apply(stem) as tfl.SymbolicTensor;
  y = tfl.layers.batchNormalization({ name: 'block_bn' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.add({ name: 'block_add' }).apply([y, stem]) as tfl.SymbolicTensor;
  y = tfl.layers.dropout({ rate: 0.2, name: 'block_drop' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.averagePooling2d({ poolSize: 2, name: 'block_pool' }).apply(y) as tfl.SymbolicTensor;
  const head = tfl.layers.dense({ units: 3, name: 'head' }).apply(tfl.layers.flatten().apply(y) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const residual = new LayersInspectableModel('residual.json', tfl.model({ inputs: r, outputs: head }));
  assert.equal(defaultCamLayer(residual), 'block_add');

  // Inception-style: a Concatenate of two branches.
  const c = tfl.input({ shape: [8, 8, 3] });
  const a = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'branch_a' }).apply(c) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'branch_b' }).apply(c) as tfl.SymbolicTensor;
  const cat = tfl.layers.concatenate({ name: 'mixed' }).apply([a, b]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.maxPooling2d({ poolSize: 2, name: 'mixed_pool' }).apply(cat) as tfl.SymbolicTensor;
  const inception = new LayersInspectableModel('mixed.json', tfl.model({ inputs: c, outputs: tfl.layers.flatten().apply(pooled) as tfl.SymbolicTensor }));
  assert.equal(defaultCamLayer(inception), 'mixed');
});

test('default CAM layer on graph and ONNX models, and the demo keeps last_conv_relu', async () => {
  await initEngine({ backend: 'cpu' });
  const graph = await loadModel(writeGraphModel(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-cam-'))));
  // _FusedConv2D → FusedDepthwiseConv2dNative → Mean: the depthwise block's Relu6 output.
  assert.equal(defaultCamLayer(graph), 'dw/Relu6');
  // A PyTorch export: … Add → Relu ("cam_layer"), a gated branch (Conv → Sigmoid, Slice, Mul), then the
  // Concat of both before global pooling: the last block's output is the Concat.
  const onnx = await loadModel(path.join(fixtures, 'onnx', 'dw-residual.onnx'));
  assert.equal(defaultCamLayer(onnx), '/Concat_output_0');
  const small = await loadModel(path.join(fixtures, 'onnx', 'small-cnn.onnx'));
  assert.equal(defaultCamLayer(small), 'cam_layer', 'the LeakyRelu after the last conv, not the Pad and AveragePool after it');
  const demo = await loadModel(path.join(import.meta.dirname, '..', '..', '..', 'demo', 'models', 'shapes', 'model.json'));
  assert.equal(defaultCamLayer(demo), 'last_conv_relu');
});
