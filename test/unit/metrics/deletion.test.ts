import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../../src/core/engine/backend';
import { auc, deletionInsertion, perturbationCurve, pixelOrder, randomOrder, stepCounts } from '../../../src/core/metrics/deletion';
import { LayersInspectableModel } from '../../../src/core/model/layers-model';
import { assertAllClose } from '../../helpers/assert-close';

/** score = the sum of the pixels of a 2×2 one-channel image (a dense layer of ones on the flattened input). */
function sumModel(): LayersInspectableModel {
  const input = tfl.input({ shape: [2, 2, 1] });
  const dense = tfl.layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones' });
  return new LayersInspectableModel('sum', tfl.model({ inputs: input, outputs: dense.apply(tfl.layers.flatten().apply(input)) as tfl.SymbolicTensor }));
}
const first = (outputs: tf.Tensor[]) => tf.reshape(outputs[0], [-1]) as tf.Tensor1D;

test('the trapezoid AUC, the pixel order and the step counts by hand', () => {
  assert.equal(auc([10, 6, 3, 1, 0]), (8 + 4.5 + 2 + 0.5) / 4);
  assert.equal(auc([1, 1]), 1);
  assert.deepEqual(Array.from(pixelOrder([0.5, 2, 2, -1])), [1, 2, 0, 3], 'highest first, ties by index');
  assert.deepEqual(stepCounts(4, 0.25), [0, 1, 2, 3, 4]);
  assert.deepEqual(stepCounts(10), [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10], '5 % steps: 21 points, round(k/20 · n)');
  const r = randomOrder(100, 3);
  assert.deepEqual(
    [...r].sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i),
    'a permutation',
  );
  assert.deepEqual(randomOrder(100, 3), r, 'seeded');
  assert.notDeepEqual(randomOrder(100, 4), r);
});

test('the deletion and insertion curves by hand on a model that sums its pixels', async () => {
  await initEngine({ backend: 'cpu' });
  const model = sumModel();
  const x = tf.tensor4d([4, 3, 2, 1], [1, 2, 2, 1]);
  const zeros = tf.zerosLike(x);
  const batch = { params: { batchSize: 2 } };
  const order = pixelOrder([4, 3, 2, 1]);
  // deletion in the map's order: 10, 10 − 4, − 3, − 2, − 1.
  assertAllClose(await perturbationCurve(model, x, zeros, order, [0, 1, 2, 3, 4], first, batch), [10, 6, 3, 1, 0], 1e-6, 'deletion');
  // insertion from zeros in the reverse order: 0, 1, 3, 6, 10.
  const reverse = pixelOrder([1, 2, 3, 4]);
  assertAllClose(await perturbationCurve(model, zeros, x, reverse, [0, 1, 2, 3, 4], first, batch), [0, 1, 3, 6, 10], 1e-6, 'insertion');
  const before = tf.memory().numTensors;
  const r = await deletionInsertion(model, x, [4, 3, 2, 1], first, batch);
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.equal(r.deletion.length, 21);
  assert.equal(r.deletion[0], 10);
  assert.equal(r.deletion[20], 0);
  // 21 steps over 4 pixels (counts round(k/20 · 4): 0 ×2, 1 ×5, 2 ×5, 3 ×5, 1 ×4 …): deletion 10, 10, 6 ×5, 3 ×5, 1 ×5… by hand
  const counts = [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4].map((c) => [10, 6, 3, 1, 0][c]);
  assertAllClose(r.deletion, counts, 1e-5, 'deletion at 5 % steps');
  // the best order deletes the largest pixels first: its AUC is below the random orders' mean
  assert.ok(r.deletionAuc < r.randomDeletionAuc, `${r.deletionAuc} < ${r.randomDeletionAuc}`);
  // insertion starts from a blur of σ = 5 % of 2 px: the image itself, so the sum is 10 at every step, in any order
  assertAllClose([r.insertionAuc, r.randomInsertionAuc], [10, 10], 1e-4, 'insertion');
  tf.dispose([x, zeros]);
  model.dispose();
});
