import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type BackendName } from '../../../src/core/engine/backend';
import { clearModelCache, loadModel } from '../../../src/core/model/load';
import { inputGradient } from '../../../src/core/model/gradient';
import { METHOD_TABLE } from '../../../src/core/explain/registry';
import { unitScore } from '../../../src/core/explain/target';
import { DEFAULT_PARAMS } from '../../../src/core/explain/types';
import { relativeError } from '../../helpers/assert-close';
import { GRAPH_SIZE, graphWeights, writeGraphModel } from '../../helpers/graph-fixture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-graph-'));
const file = writeGraphModel(dir);
const w = graphWeights();

/** The same network written with plain, unfused TF.js ops: an independent reference for values and gradients. */
function reference(x: tf.Tensor4D, dwOut?: tf.Tensor4D) {
  const t = (d: Float32Array, s: number[]) => tf.tensor(d, s);
  const conv = tf.relu6(tf.add(tf.conv2d(x, t(w.convK, [3, 3, 3, 4]) as tf.Tensor4D, 2, 'same'), t(w.convB, [4])));
  const dw =
    dwOut ?? (tf.relu6(tf.add(tf.depthwiseConv2d(conv as tf.Tensor4D, t(w.dwK, [3, 3, 4, 1]) as tf.Tensor4D, 1, 'same'), t(w.dwB, [4]))) as tf.Tensor4D);
  const pooled = tf.mean(dw, [1, 2]);
  return { dw, logits: tf.add(tf.matMul(pooled as tf.Tensor2D, t(w.fcW, [4, 3]) as tf.Tensor2D), t(w.fcB, [3])) };
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  test(`graph model with fused Relu6 convolutions: summary, logits and gradients match unfused ops (${backend})`, async () => {
    await initEngine({ backend });
    clearModelCache();
    const model = await loadModel(file);
    assert.equal(model.format, 'tfjs-graph');
    assert.deepEqual(model.inputs[0].shape, [null, GRAPH_SIZE, GRAPH_SIZE, 3]);
    assert.deepEqual(model.softmaxOutputs, [true]);
    const conv = model.layers.find((l) => l.name === 'conv/Relu6')!;
    assert.equal(conv.type, '_FusedConv2D');
    assert.equal(conv.params, 3 * 3 * 3 * 4 + 4);
    assert.deepEqual(conv.outputShape, [null, 6, 6, 4]);
    assert.equal(model.totalParams, 108 + 4 + 36 + 4 + 2 + 12 + 3);

    // Inputs that drive many units into Relu6's upper clip, where a wrong gradient would show.
    const x = tf.mul(tf.randomUniform([1, GRAPH_SIZE, GRAPH_SIZE, 3], -1, 1, 'float32', 9), 8) as tf.Tensor4D;
    const { outputs } = model.forward(x);
    const ref = reference(x);
    assert.ok(relativeError(outputs[0].dataSync(), ref.logits.dataSync()) < 1e-5, 'logits');
    const clipped = Array.from(ref.dw.dataSync()).filter((v) => v >= 6).length;
    assert.ok(clipped > 0, 'some activations sit at the Relu6 clip');

    const score = unitScore(0, 1);
    const gx = inputGradient(model, x, score);
    const refGx = tf.grad((xx: tf.Tensor) => tf.sum(tf.slice(reference(xx as tf.Tensor4D).logits, [0, 1], [1, 1])))(x);
    assert.ok(relativeError(gx.dataSync(), refGx.dataSync()) < 1e-4, `input gradient ${relativeError(gx.dataSync(), refGx.dataSync())}`);

    const { activation, gradient } = model.layerGradient(x, 'dw/Relu6', score);
    assert.ok(relativeError(activation.dataSync(), ref.dw.dataSync()) < 1e-5, 'tapped activation');
    const refG = tf.grad((a: tf.Tensor) => tf.sum(tf.slice(reference(x, a as tf.Tensor4D).logits, [0, 1], [1, 1])))(ref.dw);
    assert.ok(relativeError(gradient.dataSync(), refG.dataSync()) < 1e-4, 'layer gradient');

    const before = tf.memory().numTensors;
    const cam = await METHOD_TABLE.gradcam({ model, input: x, score, layers: ['conv/Relu6'], params: { ...DEFAULT_PARAMS, batchSize: 4 } });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(cam.grid.width, 6);
    tf.dispose([x, outputs, ref.dw, ref.logits, gx, refGx, activation, gradient, refG]);
  });
}

test('models are cached by path and modification time', async () => {
  await initEngine({ backend: 'cpu' });
  clearModelCache();
  const a = await loadModel(file);
  assert.equal(await loadModel(dir), a, 'a folder resolves to its model.json, same cached model');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  assert.notEqual(await loadModel(file), a, 'a newer file is loaded again');
});
