import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BATCH_TARGET_MS, BatchSizer, mapBatched, sumBatched } from '../../../src/core/explain/batching';

test('sumBatched adds each batch in order: 7 items at most 3 a batch, sized by the clock, are (0,1), (1,3), (4,3)', async () => {
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
  // The first batch is one item (to time it); quick items then fill batches up to the cap.
  assert.deepEqual(calls, ['run 0,1', 'after 1,1', 'run 1,3', 'after 4,3', 'run 4,3', 'after 7,3']);
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
  assert.deepEqual(progress, [1, 3, 5]);
});

test('batch sizes follow the clock: about half a second a batch, at most four times the last, never above the memory cap', () => {
  const sizer = new BatchSizer(64);
  assert.equal(sizer.next(1000), 1, 'the first batch times one item');
  sizer.record(1, 200); // 200 ms an item: 500 / 200 → 2
  assert.equal(sizer.next(1000), 2);
  sizer.record(2, 200); // 100 ms an item → 5 (under 4 × 2)
  assert.equal(sizer.next(1000), 5);
  sizer.record(5, 10); // 2 ms an item → 250, but at most 4 × 5
  assert.equal(sizer.next(1000), 20);
  sizer.record(20, 20); // 1 ms an item → 500, 4 × 20 = 80, the cap 64
  assert.equal(sizer.next(1000), 64);
  assert.equal(sizer.next(7), 7, 'never more than is left');
  sizer.record(64, 6400); // 100 ms an item: back to 5
  assert.equal(sizer.next(1000), 5);
  sizer.record(2, 2000); // 1 s an item: still one at a time
  assert.equal(sizer.next(1000), 1);
  assert.equal(BATCH_TARGET_MS, 500);
});
