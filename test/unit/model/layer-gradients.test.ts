import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type BackendName } from '../../../src/core/engine/backend';
import { unitScore } from '../../../src/core/explain/target';
import { relativeError } from '../../helpers/assert-close';
import { randomCnn, squareDetector, squareImage, referenceDetector } from '../../helpers/models';

// Every 4-D layer of the random CNN, the input included, and a layer on a residual branch.
const LAYERS = ['image', 'stem', 'stem_bn', 'stem_relu6', 'dw', 'pw', 'residual', 'last_conv'];

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  test(`${backend}: one backward pass gives every layer the gradient of its own split, with nothing leaked`, async () => {
    await initEngine({ backend });
    const model = randomCnn(24, 3);
    const x = tf.randomUniform([2, 24, 24, 3], 0, 1, 'float32', 5);
    const score = unitScore(0, 1);
    const before = tf.memory().numTensors;
    const together = model.layerGradients(x, LAYERS, score);
    assert.equal(together.length, LAYERS.length);
    for (let i = 0; i < LAYERS.length; i++) {
      const alone = model.layerGradient(x, LAYERS[i], score);
      assert.deepEqual(together[i].gradient.shape, alone.gradient.shape);
      assert.ok(relativeError(together[i].activation.dataSync(), alone.activation.dataSync()) === 0, `${LAYERS[i]}: activations differ`);
      const err = relativeError(together[i].gradient.dataSync(), alone.gradient.dataSync());
      assert.ok(err <= 1e-5, `${LAYERS[i]}: ‖together − alone‖/‖alone‖ = ${err}`);
      assert.ok(tf.tidy(() => tf.norm(alone.gradient).dataSync()[0]) > 0, `${LAYERS[i]}: a zero gradient proves nothing`);
      tf.dispose([alone.activation, alone.gradient, together[i].activation, together[i].gradient]);
    }
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x]);
    model.dispose();
  });
}

test('the square detector: hand-computed gradients at two layers at once', async () => {
  await initEngine({ backend: 'cpu' });
  const model = squareDetector();
  const x = squareImage();
  // logit 1 = 5·mean(act₀) − mean(act₁): ∂/∂act is 5/N on channel 0 and −1/N on channel 1, everywhere.
  const [g, input] = model.layerGradients(x, ['detector', 'image'], unitScore(0, 1));
  const n = g.gradient.shape[1]! * g.gradient.shape[2]!;
  const values = g.gradient.dataSync();
  const ref = referenceDetector(x.dataSync() as Float32Array);
  assert.ok(relativeError(g.activation.dataSync(), ref.act) < 1e-6, 'activation = the plain-JS reference');
  assert.ok(relativeError(input.gradient.dataSync(), model.layerGradient(x, 'image', unitScore(0, 1)).gradient.dataSync()) < 1e-6);
  tf.dispose([input.activation, input.gradient]);
  for (let p = 0; p < n; p++) {
    assert.ok(Math.abs(values[p * 2] - 5 / n) < 1e-7 && Math.abs(values[p * 2 + 1] + 1 / n) < 1e-7, `pixel ${p}: ${values[p * 2]}, ${values[p * 2 + 1]}`);
  }
  tf.dispose([g.activation, g.gradient, x]);
  model.dispose();
});
