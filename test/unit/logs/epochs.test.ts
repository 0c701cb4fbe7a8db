import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsvParser } from '../../../src/core/logs/csv';
import { addRecord } from '../../../src/core/logs/jsonl';
import { isEpochSeries, type TagMap } from '../../../src/core/logs/series';

const csv = (text: string): TagMap => {
  const tags: TagMap = new Map();
  new CsvParser().parse(new TextEncoder().encode(text), tags);
  return tags;
};

test('series whose step counts epochs: a Keras CSVLogger, records stepped by epoch only, Keras epoch_ tags', () => {
  const keras = csv('epoch,loss,val_loss\n0,1.5,1.6\n1,1.2,1.4\n');
  assert.deepEqual(
    [...keras].map(([t, s]) => [t, isEpochSeries(t, s)]),
    [
      ['loss', true],
      ['val_loss', true],
    ],
  );
  // Lightning's metrics.csv has a step column: its series are per step (the epoch column is a tag).
  const lightning = csv('epoch,step,train_loss,val_loss\n0,49,0.9,\n0,49,,0.8\n');
  assert.deepEqual(
    [...lightning].map(([t, s]) => [t, isEpochSeries(t, s)]),
    [
      ['epoch', false],
      ['train_loss', false],
      ['val_loss', false],
    ],
  );
  const tags: TagMap = new Map();
  addRecord({ epoch: 3, acc: 0.9 }, 0, tags);
  addRecord({ step: 10, epoch: 0.5, loss: 0.4 }, 1, tags);
  assert.equal(isEpochSeries('acc', tags.get('acc')!), true);
  assert.equal(isEpochSeries('loss', tags.get('loss')!), false);
  // Keras's TensorBoard callback: epoch_* per epoch, batch_* (and evaluation_*_vs_iterations) per step.
  const plain = { epochs: false };
  assert.deepEqual(
    ['epoch_loss', 'train/epoch_accuracy', 'validation/epoch_loss', 'batch_loss', 'evaluation_loss_vs_iterations', 'epoch'].map((t) => isEpochSeries(t, plain)),
    [true, true, true, false, false, false],
  );
});
