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
  const grads = () => tf.grads(f)([x, mean, variance, offset, scale]).map((g) => g.dataSync() as Float32Array);
  restoreGradients();
  const reference = grads();
  installGradients();
  const ours = grads();
  reference.forEach((r, i) => assert.ok(relativeError(ours[i], r) < 1e-6, `input ${i}: ${relativeError(ours[i], r)}`));
});
