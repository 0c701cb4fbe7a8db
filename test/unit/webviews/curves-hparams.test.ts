import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hparamColumns, metricTags, sortRows } from '../../../src/webviews/curves/hparams-table';

test('HParams columns: with several runs, the hyper-parameters that tell them apart; all on request or with one run', () => {
  const a = { lr: 0.01, seed: 1, optimizer: 'sgd', note: null };
  const b = { lr: 0.001, seed: 1, optimizer: 'sgd', note: null, warmup: 100 };
  assert.deepEqual(hparamColumns([a, b], false), { shown: ['lr', 'warmup'], total: 5 });
  assert.deepEqual(hparamColumns([a, b], true), { shown: ['lr', 'seed', 'optimizer', 'note', 'warmup'], total: 5 });
  assert.deepEqual(hparamColumns([a], false), { shown: ['lr', 'seed', 'optimizer', 'note'], total: 4 });
  assert.deepEqual(hparamColumns([a, { ...a }], false), { shown: ['lr', 'seed', 'optimizer', 'note'], total: 4 }, 'nothing differs: every column');
  // 1 and "1" are different values.
  assert.deepEqual(hparamColumns([{ k: 1 }, { k: '1' }], false).shown, ['k']);
});

test('HParams metrics: losses and scores, not learning rates or counters', () => {
  assert.deepEqual(
    metricTags([
      ['train/loss', 'train/learning_rate', 'epoch', 'train/total_flos', 'eval/accuracy'],
      ['val_loss', 'val_acc', 'hp_metric', 'loss/kd', 'grad_norm', 'eval/f1', 'top1'],
    ]),
    ['train/loss', 'eval/accuracy', 'val_loss', 'val_acc', 'hp_metric', 'loss/kd', 'eval/f1', 'top1'],
  );
  assert.deepEqual(metricTags([['lossy_lr', 'accuracy_threshold']]), [], 'the name must end in the metric');
});

test('HParams rows sort by a column: numbers as numbers, text naturally, empty cells last, ties in order', () => {
  const rows = [
    { name: 'run-10', cells: [0.01, 'sgd', undefined] },
    { name: 'run-2', cells: [0.1, 'adam', 0.5] },
    { name: 'run-1', cells: [0.001, 'adamw', 0.7] },
    { name: 'run-3', cells: [0.1, undefined, 0.2] },
  ];
  const names = (sorted: typeof rows) => sorted.map((r) => r.name);
  assert.deepEqual(names(sortRows(rows, undefined)), ['run-10', 'run-2', 'run-1', 'run-3']);
  assert.deepEqual(names(sortRows(rows, { column: 0, descending: false })), ['run-1', 'run-10', 'run-2', 'run-3']);
  assert.deepEqual(names(sortRows(rows, { column: 0, descending: true })), ['run-2', 'run-3', 'run-10', 'run-1']);
  assert.deepEqual(names(sortRows(rows, { column: 1, descending: false })), ['run-2', 'run-1', 'run-10', 'run-3']);
  assert.deepEqual(names(sortRows(rows, { column: 2, descending: true })), ['run-1', 'run-2', 'run-3', 'run-10'], 'the empty cell stays last');
  assert.deepEqual(names(sortRows(rows, { column: -1, descending: false })), ['run-1', 'run-2', 'run-3', 'run-10'], 'run names naturally');
});
