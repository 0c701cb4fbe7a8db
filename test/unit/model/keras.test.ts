import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { unzipSync, zipSync } from 'fflate';
import { initEngine } from '../../../src/core/engine/backend';
import { METHOD_TABLE } from '../../../src/core/explain/registry';
import { unitScore } from '../../../src/core/explain/target';
import { DEFAULT_PARAMS } from '../../../src/core/explain/types';
import { clearModelCache, loadModel } from '../../../src/core/model/load';
import { normalizeKerasConfig } from '../../../src/core/model/keras/config';
import { relativeError } from '../../helpers/assert-close';
import { cli } from '../../helpers/cli';

/**
 * Fixtures written with h5py in the exact Keras 2.13 and Keras 3 layouts
 * (scripts/make-keras-fixtures.py), with outputs PyTorch computed from the same weights.
 */
const dir = path.resolve(__dirname, '..', '..', 'fixtures', 'keras');
const FILES: [string, string][] = [
  ['keras2-sequential.h5', 'Keras 2.13 HDF5'],
  ['keras3-legacy.h5', 'Keras 3 legacy HDF5'],
  ['keras3-functional.keras', 'Keras 3 .keras archive'],
];
const ref = (
  file: string,
): {
  input: { shape: number[]; values: number[] };
  output: number[];
  gradcam: { layer: string; target: number; height: number; width: number; values: number[] };
} => JSON.parse(fs.readFileSync(path.join(dir, file.replace(/\.(h5|keras)$/, '.json')), 'utf8'));

for (const backend of ['cpu', 'wasm'] as const) {
  for (const [file, what] of FILES) {
    test(`${what} (${file}) on ${backend}: the reference outputs (≤ 1e-4) and Grad-CAM (‖Δ‖/‖·‖ ≤ 1e-3), no tensors left behind`, async () => {
      await initEngine({ backend });
      clearModelCache();
      const model = await loadModel(path.join(dir, file));
      assert.equal(model.format, 'keras');
      const r = ref(file);
      const x = tf.tensor4d(r.input.values, r.input.shape as [number, number, number, number]);
      const first = tf.slice(x, [0], [1]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const y = model.forward(x, { logits: false }).outputs[0];
      const got = Array.from(y.dataSync());
      y.dispose();
      const worst = Math.max(...got.map((v, i) => Math.abs(v - r.output[i])));
      assert.ok(worst <= 1e-4, `max |Δ| ${worst}`);
      const g = r.gradcam;
      const cam = await METHOD_TABLE.gradcam({
        model,
        input: first,
        score: unitScore(0, g.target),
        layers: [g.layer],
        params: { ...DEFAULT_PARAMS, batchSize: 1 },
      });
      assert.deepEqual([cam.grid.height, cam.grid.width], [g.height, g.width]);
      const err = relativeError(cam.grid.values, Float32Array.from(g.values));
      assert.ok(err <= 1e-3, `Grad-CAM ‖Δ‖/‖·‖ = ${err}`);
      assert.equal(tf.memory().numTensors, before, 'tensors after forward and Grad-CAM');
      tf.dispose([x, first]);
    });
  }
}

test('augmentation layers are identity; Keras 3 wrappers, DTypePolicy, batch_shape and inbound args are normalised', () => {
  const k3 = normalizeKerasConfig(
    JSON.parse(new TextDecoder().decode(unzipSync(fs.readFileSync(path.join(dir, 'keras3-functional.keras')))['config.json'])),
    'f',
  );
  const layers = (k3.config as { layers: { class_name: string; config: Record<string, unknown>; inbound_nodes: unknown }[] }).layers;
  assert.equal(k3.class_name, 'Model');
  assert.deepEqual(layers[0].config.batch_input_shape, [null, 12, 12, 3]);
  assert.equal(layers[1].config.dtype, 'float32');
  assert.deepEqual(layers.find((l) => l.class_name === 'Add')!.inbound_nodes, [
    [
      ['relu6', 0, 0, {}],
      ['bn', 0, 0, {}],
    ],
  ]);
  assert.deepEqual((k3.config as { input_layers: unknown }).input_layers, [['input_layer', 0, 0]]);
  const flip = normalizeKerasConfig(
    { class_name: 'Sequential', config: { layers: [{ class_name: 'RandomFlip', config: { name: 'aug', mode: 'horizontal' } }] } },
    'f',
  );
  assert.deepEqual((flip.config as { layers: unknown[] }).layers[0], {
    class_name: 'Activation',
    config: { name: 'aug', activation: 'linear', trainable: false },
  });
});

test('Keras bad input: Lambda layer, weights only, truncated and corrupt files, missing weights — one line each naming the file', async () => {
  await initEngine({ backend: 'cpu' });
  const lambda = path.join(dir, 'lambda.h5');
  await assert.rejects(loadModel(lambda), {
    message: `${lambda}: layer "scale_by_two" is a Lambda (Python code), which TensorFlow.js cannot run; replace it with standard layers before saving`,
  });
  const weightsOnly = path.join(dir, 'model.weights.h5');
  await assert.rejects(loadModel(weightsOnly), {
    message: `${weightsOnly}: holds weights only, no architecture (a .weights.h5 file); save the whole model with model.save("model.keras")`,
  });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-keras-'));
  const h5 = fs.readFileSync(path.join(dir, 'keras2-sequential.h5'));
  const truncated = path.join(tmp, 'truncated.h5');
  fs.writeFileSync(truncated, h5.subarray(0, Math.floor(h5.length * 0.6)));
  await assert.rejects(loadModel(truncated), {
    message: `${truncated}: the HDF5 file is truncated: it should hold ${h5.length} bytes, it has ${Math.floor(h5.length * 0.6)}`,
  });
  // Cut so short that even the metadata is gone.
  fs.writeFileSync(truncated, h5.subarray(0, 30));
  await assert.rejects(
    loadModel(truncated),
    (err: Error) => err.message.startsWith(`${truncated}: the HDF5 file is truncated or corrupt (`) && !err.message.includes('\n'),
  );
  const corrupt = path.join(tmp, 'corrupt.keras');
  fs.writeFileSync(corrupt, 'PK\x03\x04 not really a zip');
  await assert.rejects(loadModel(corrupt), (err: Error) => err.message.startsWith(`${corrupt}: not a readable .keras archive`));
  // A .keras archive whose weights file belongs to another model.
  const entries = unzipSync(fs.readFileSync(path.join(dir, 'keras3-functional.keras')));
  const mismatched = path.join(tmp, 'mismatched.keras');
  fs.writeFileSync(mismatched, zipSync({ ...entries, 'model.weights.h5': new Uint8Array(fs.readFileSync(weightsOnly)) }));
  await assert.rejects(loadModel(mismatched), { message: `${mismatched}: model.weights.h5 has no weights for layer "stem"` });
  const noWeights = path.join(tmp, 'noweights.keras');
  fs.writeFileSync(noWeights, zipSync({ 'config.json': entries['config.json'] }));
  await assert.rejects(loadModel(noWeights), { message: `${noWeights}: the .keras archive has no model.weights.h5` });
  const s = await cli('summary', path.join(dir, 'keras3-functional.keras'), '--backend', 'cpu');
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /\(keras\)\ninput  input_layer\S* \[null, 12, 12, 3\] float32\n/);
  fs.rmSync(tmp, { recursive: true });
});

test('a Keras layer class TensorFlow.js does not have is refused naming the layer', async () => {
  await initEngine({ backend: 'cpu' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-keras-'));
  const entries = unzipSync(fs.readFileSync(path.join(dir, 'keras3-functional.keras')));
  const config = JSON.parse(new TextDecoder().decode(entries['config.json']));
  config.config.layers[6].class_name = 'MultiHeadAttentionV9';
  const file = path.join(tmp, 'exotic.keras');
  fs.writeFileSync(file, zipSync({ ...entries, 'config.json': new TextEncoder().encode(JSON.stringify(config)) }));
  await assert.rejects(loadModel(file), { message: `${file}: layer "relu" is a MultiHeadAttentionV9, which TensorFlow.js cannot run` });
  fs.rmSync(tmp, { recursive: true });
});
