import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutCharts, pairKey, robustRange, type TagKind } from '../../../src/webviews/curves/layout';

const step = (...tags: string[]): TagKind[] => tags.map((tag) => ({ tag, epoch: false }));
const epoch = (...tags: string[]): TagKind[] => tags.map((tag) => ({ tag, epoch: true }));
const noStack = (): undefined => undefined;
const titles = (tags: TagKind[], pair = true) => layoutCharts(tags, pair, noStack).map((s) => [s.name, s.charts.map((c) => c.title)]);

test('a tag names its metric and side: train/validation prefixes, val_ and eval_ twins', () => {
  assert.deepEqual(pairKey('train/epoch_loss'), { key: 'epoch_loss', evaluation: false });
  assert.deepEqual(pairKey('validation/epoch_loss'), { key: 'epoch_loss', evaluation: true });
  assert.deepEqual(pairKey('eval/loss'), { key: 'loss', evaluation: true });
  assert.deepEqual(pairKey('val_loss'), { key: 'loss', evaluation: true });
  assert.deepEqual(pairKey('loss'), { key: 'loss', evaluation: false });
  assert.deepEqual(pairKey('train_acc'), { key: 'acc', evaluation: false });
  assert.deepEqual(pairKey('loss/val_kd'), { key: 'loss/val_kd', evaluation: false }, 'only a leading marker counts');
  assert.deepEqual(pairKey('value'), { key: 'value', evaluation: false }, '"val" needs its underscore');
});

test('one chart per tag, in sections by prefix, both sorted by name as TensorBoard sorts them', () => {
  // Hugging Face's train section: the loss no longer shares an axis with total_flos.
  assert.deepEqual(titles(step('train/loss', 'train/learning_rate', 'train/total_flos', 'eval/accuracy')), [
    ['eval', ['eval/accuracy']],
    ['train', ['train/learning_rate', 'train/loss', 'train/total_flos']],
  ]);
  assert.deepEqual(
    titles(step('layer10/norm', 'layer2/norm')),
    [
      ['layer2', ['layer2/norm']],
      ['layer10', ['layer10/norm']],
    ],
    'numbers in names compare as numbers',
  );
  const [section] = layoutCharts(step('loss/kd', 'loss/kd'), true, noStack);
  assert.equal(section.charts.length, 1, 'a tag logged by two runs is one chart');
  assert.deepEqual(section.charts[0].tags, ['loss/kd']);
});

test('a metric and its validation twin share a chart (Keras CSV, Keras TensorBoard, Hugging Face); the toggle separates them', () => {
  assert.deepEqual(titles(epoch('loss', 'accuracy', 'val_loss', 'val_accuracy')), [
    ['accuracy', ['accuracy · val_accuracy']],
    ['loss', ['loss · val_loss']],
  ]);
  assert.deepEqual(titles(epoch('validation/epoch_loss', 'train/epoch_loss', 'train/epoch_accuracy')), [
    ['train', ['train/epoch_accuracy', 'train/epoch_loss · validation/epoch_loss']],
  ]);
  assert.deepEqual(titles(step('train/loss', 'eval/loss')), [['train', ['train/loss · eval/loss']]]);
  assert.deepEqual(titles(epoch('loss', 'val_loss'), false), [
    ['loss', ['loss']],
    ['val_loss', ['val_loss']],
  ]);
  // A validation tag alone, or two train tags of one key: no pair.
  assert.deepEqual(titles(step('val_loss', 'acc')), [
    ['acc', ['acc']],
    ['val_loss', ['val_loss']],
  ]);
  assert.deepEqual(titles(step('training_loss', 'train_loss')), [
    ['train_loss', ['train_loss']],
    ['training_loss', ['training_loss']],
  ]);
  // Both sides with several tags: the training ones first, then the validation ones.
  assert.deepEqual(titles(step('val_loss', 'training_loss', 'train_loss')), [['training_loss', ['training_loss · train_loss · val_loss']]]);
});

test('per-epoch series never share an axis with per-step ones', () => {
  // Lightning logs train_loss per step and val_loss per epoch: no pair across axes.
  const charts = layoutCharts([...step('train_loss'), ...epoch('val_loss')], true, noStack).flatMap((s) => s.charts);
  assert.deepEqual(
    charts.map((c) => [c.title, c.epoch]),
    [
      ['train_loss', false],
      ['val_loss', true],
    ],
  );
  // One run logs loss per step, another per epoch: two charts, named by their axis, with distinct ids.
  const both = layoutCharts([...step('loss'), ...epoch('loss')], true, noStack)[0].charts;
  assert.deepEqual(
    both.map((c) => [c.title, c.epoch]),
    [
      ['loss (per epoch)', true],
      ['loss (per step)', false],
    ],
  );
  assert.notEqual(both[0].id, both[1].id);
});

test('a section with a total and its terms opens with a stacked chart; ids are unique element ids', () => {
  const asked: string[][] = [];
  const layout = layoutCharts([...step('loss/total', 'loss/ce', 'loss/kd', 'lr'), ...epoch('loss/val')], true, (tags) => {
    asked.push(tags);
    return tags.includes('loss/total') ? { total: 'loss/total', terms: ['loss/ce', 'loss/kd'] } : undefined;
  });
  assert.deepEqual(asked, [['loss/ce', 'loss/kd', 'loss/total']], "only a section's per-step tags, and only with three or more");
  const loss = layout[0];
  assert.deepEqual(
    loss.charts.map((c) => c.title),
    ['loss/total = loss/ce + loss/kd', 'loss/ce', 'loss/kd', 'loss/total', 'loss/val'],
  );
  assert.deepEqual(loss.charts[0].stack, { total: 'loss/total', terms: ['loss/ce', 'loss/kd'] });
  const ids = layout.flatMap((s) => s.charts.map((c) => c.id));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[\w-]+$/);
  assert.deepEqual(ids.slice(0, 2), ['stack-loss', 'chart-loss_ce']);
  // 'a/b' and 'a_b' clean to the same id: the second is numbered.
  assert.deepEqual(
    layoutCharts(step('a/b', 'a_b'), true, noStack).flatMap((s) => s.charts.map((c) => c.id)),
    ['chart-a_b', 'chart-a_b-2'],
  );
});

test("ignoring outliers: TensorBoard's 5th–95th percentile, padded by a fifth of the span", () => {
  // 0..100: the 5th percentile is 5, the 95th 95 (linear interpolation); span 90, padding 18.
  const values = Array.from({ length: 101 }, (_, i) => i);
  assert.deepEqual(robustRange(values), { min: 5 - 18, max: 95 + 18 });
  // One spike of 1e6 among 40 values near 1 no longer sets the scale.
  const spiky = [...Array.from({ length: 40 }, (_, i) => 1 + i / 100), 1e6];
  const r = robustRange(spiky)!;
  assert.ok(r.max < 2, `max ${r.max}`);
  // Between order statistics: [1, 2, 3, 4] → 5th percentile at 0.15 of the way from 1 to 2.
  const small = robustRange([4, 1, 3, 2])!;
  assert.ok(Math.abs(small.min - (1.15 - 0.2 * (3.85 - 1.15))) < 1e-12 && Math.abs(small.max - (3.85 + 0.2 * 2.7)) < 1e-12);
  assert.deepEqual(robustRange([2, 2, NaN, Infinity]), { min: 2 - 0.3, max: 2 + 0.3 }, 'a flat series: a margin around it; non-finite values ignored');
  assert.equal(robustRange([NaN]), undefined);
});
