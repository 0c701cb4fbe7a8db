import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mapBatched, sumBatched } from '../../../src/core/explain/batching';

test('sumBatched adds each batch in order: 7 items in batches of 3 are (0,3), (3,3), (6,1)', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const calls: string[] = [];
  const sum = await sumBatched(
    { batchSize: 3 },
    7,
    () => tf.zeros([2]),
    // Item i contributes [i, 1]: the sum is [0+1+…+6, 7] = [21, 7].
    (start, count) => {
      calls.push(`run ${start},${count}`);
      return tf.tensor1d([Array.from({ length: count }, (_, k) => start + k).reduce((a, b) => a + b, 0), count]);
    },
    (done, count) => {
      calls.push(`after ${done},${count}`);
    },
  );
  assert.deepEqual(Array.from(sum.dataSync()), [21, 7]);
  sum.dispose();
  assert.deepEqual(calls, ['run 0,3', 'after 3,3', 'run 3,3', 'after 6,3', 'run 6,1', 'after 7,1']);
  assert.equal(tf.memory().numTensors, before, 'no tensor left but the sum, which the caller disposed');
});

test('sumBatched: a batch size below 1 is 1; an abort between batches stops it and frees the partial sum', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  let runs = 0;
  await assert.rejects(
    sumBatched(
      { batchSize: 0.4, signal: controller.signal },
      5,
      () => tf.zeros([1]),
      () => {
        runs++;
        return tf.ones([1]);
      },
      (done) => {
        if (done === 2) controller.abort();
      },
    ),
    { name: 'AbortError' },
  );
  assert.equal(runs, 2, 'one item per batch, stopped after the second');
  assert.equal(tf.memory().numTensors, before);
});

test('mapBatched fills one value per item, in batches, with progress after each', async () => {
  const progress: number[] = [];
  const out = await mapBatched({ params: { batchSize: 2 }, onProgress: (done) => progress.push(done) }, 5, (start, count) =>
    Array.from({ length: count }, (_, k) => 10 * (start + k)),
  );
  assert.deepEqual(Array.from(out), [0, 10, 20, 30, 40]);
  assert.deepEqual(progress, [2, 4, 5]);
});
