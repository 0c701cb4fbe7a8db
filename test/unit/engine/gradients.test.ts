import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { installGradients, restoreGradients } from '../../../src/core/engine/gradients';
import { relativeError } from '../../helpers/assert-close';

test("the batch-norm gradient equals TensorFlow.js's own for every input", async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.randomNormal([2, 5, 4, 3], 0, 1, 'float32', 1);
  const mean = tf.tensor1d([0.1, -0.2, 0.3]);
  const variance = tf.tensor1d([0.5, 1.5, 2]);
  const offset = tf.tensor1d([0.2, 0, -1]);
  const scale = tf.tensor1d([1.5, -0.5, 2]);
  const w = tf.randomNormal([2, 5, 4, 3], 0, 1, 'float32', 2);
  const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
    tf.sum(tf.mul(w, tf.batchNorm(a, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3)));
  const grads = () =>
    tf
      .grads(f)([x, mean, variance, offset, scale])
      .map((g) => g.dataSync() as Float32Array);
  restoreGradients();
  const reference = grads();
  installGradients();
  const ours = grads();
  reference.forEach((r, i) => assert.ok(relativeError(ours[i], r) < 1e-6, `input ${i}: ${relativeError(ours[i], r)}`));
});

/** Central finite differences of a scalar function of one tensor, at a few entries (float32: step 1e-2, stated tolerance below). */
function finiteDifferences(f: (t: tf.Tensor) => tf.Scalar, at: tf.Tensor, entries: number[], h = 1e-2): number[] {
  const base = at.dataSync();
  return entries.map((i) => {
    const plus = Float32Array.from(base);
    const minus = Float32Array.from(base);
    plus[i] += h;
    minus[i] -= h;
    const fp = tf.tidy(() => f(tf.tensor(plus, at.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, at.shape)).dataSync()[0]);
    return (fp - fm) / (2 * h);
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  for (const pad of ['valid', 'same'] as const) {
    test(`a dilated Conv2D (dilation 2×3, ${pad}) has gradients for input and filter on ${backend}, equal to finite differences`, async () => {
      await initEngine({ backend });
      installGradients();
      const x = tf.randomNormal([2, 9, 10, 3], 0, 1, 'float32', 3);
      const w = tf.randomNormal([3, 2, 3, 4], 0, 1, 'float32', 4);
      const weight = tf.randomNormal(pad === 'valid' ? [2, 5, 7, 4] : [2, 9, 10, 4], 0, 1, 'float32', 5);
      const y = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(weight, tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, 'NHWC', [2, 3]))) as tf.Scalar;
      const [gx, gw] = tf.grads(y)([x, w]);
      const entries = [0, 17, 101, 250, x.size - 1];
      const fx = finiteDifferences((t) => y(t, w), x, entries);
      const fw = finiteDifferences((t) => y(x, t), w, [0, 5, 33, w.size - 1]);
      // float32 sums of ~100 products: 1e-2 steps give differences good to about 2e-2 absolute.
      entries.forEach((e, k) => assert.ok(Math.abs(gx.dataSync()[e] - fx[k]) < 2e-2, `∂/∂x[${e}]: ${gx.dataSync()[e]} vs ${fx[k]}`));
      [0, 5, 33, w.size - 1].forEach((e, k) =>
        assert.ok(Math.abs(gw.dataSync()[e] - fw[k]) < 5e-2 * Math.max(1, Math.abs(fw[k])), `∂/∂w[${e}]: ${gw.dataSync()[e]} vs ${fw[k]}`),
      );
      tf.dispose([x, w, weight, gx, gw]);
    });
  }
}

test("the ClipByValue (ReLU6) gradient equals TensorFlow.js's own, boundaries included, on cpu and wasm", async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend });
    // Values inside, outside and exactly at both bounds, and ±Infinity.
    const x = tf.tensor4d([-1, 0, 0.5, 3, 6, 6.5, Infinity, -Infinity, 5.999, 1e-30, -1e-30, 6.0001], [1, 2, 2, 3]);
    const dy = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 2, 2, 3]);
    const f = (a: tf.Tensor) => tf.sum(tf.mul(dy, tf.clipByValue(a, 0, 6)));
    restoreGradients();
    const reference = Array.from(tf.grad(f)(x).dataSync());
    installGradients();
    const ours = Array.from(tf.grad(f)(x).dataSync());
    assert.deepEqual(ours, reference, backend);
    // By hand: dy where 0 ≤ x ≤ 6, else 0.
    assert.deepEqual(ours, [0, 2, 3, 4, 5, 0, 0, 0, 9, 10, 0, 0], backend);
    tf.dispose([x, dy]);
  }
});
