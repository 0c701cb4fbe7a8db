import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCell, modelRows, sortRows } from '../../../src/webviews/compare/table';
import { parseFromCompareWebview, shortNames } from '../../../src/webviews/compare/protocol';

const result = {
  models: [
    { path: '/r/teacher/model.onnx', accuracy: 0.9, agreement: null, kl: null, pointing: 1 },
    { path: '/r/kd/model.onnx', accuracy: 0.95, agreement: 0.8, kl: 0.05, pointing: null },
    { path: '/r/scratch/model.onnx', accuracy: 0.9, agreement: 0.85, kl: 0.1, pointing: 0.5 },
  ],
  pairs: [],
  images: [],
};

test('the models table sorts by a column, missing numbers last, ties in model order', () => {
  const rows = modelRows(result, ['t', 'kd', 's']);
  assert.deepEqual(
    sortRows(rows, 'accuracy', true).map((r) => r.name),
    ['kd', 't', 's'],
  );
  assert.deepEqual(
    sortRows(rows, 'accuracy', false).map((r) => r.name),
    ['t', 's', 'kd'],
  );
  // The reference has no agreement: last whichever way.
  assert.deepEqual(
    sortRows(rows, 'agreement', true).map((r) => r.name),
    ['s', 'kd', 't'],
  );
  assert.deepEqual(
    sortRows(rows, 'agreement', false).map((r) => r.name),
    ['kd', 's', 't'],
  );
  assert.deepEqual(
    sortRows(rows, 'name', false).map((r) => r.name),
    ['kd', 's', 't'],
  );
});

test('cells: shares as percentages, KL with four decimals, similarities with three, a missing number as a dash', () => {
  assert.equal(formatCell('accuracy', 0.975), '97.5 %');
  assert.equal(formatCell('pointing', 1), '100.0 %');
  assert.equal(formatCell('kl', 0.05771), '0.0577');
  assert.equal(formatCell('rankCorrelation', 0.8164), '0.816');
  assert.equal(formatCell('agreement', null), '—');
});

test('model names: the shortest path suffix that tells them apart', () => {
  assert.deepEqual(shortNames(['/w/runs/teacher/model.onnx', '/w/runs/student-kd-s1/model.onnx']), ['teacher/model.onnx', 'student-kd-s1/model.onnx']);
  assert.deepEqual(shortNames(['/a/x.onnx', '/b/y.onnx']), ['x.onnx', 'y.onnx']);
  assert.deepEqual(shortNames(['/a/m/model.json', '/b/m/model.json', '/c/n.onnx']), ['a/m/model.json', 'b/m/model.json', 'n.onnx']);
  // The same file twice cannot be told apart: the whole path.
  assert.deepEqual(shortNames(['/a/x.onnx', '/a/x.onnx']), ['a/x.onnx', 'a/x.onnx']);
});

test('messages from the compare webview are validated: paths never come from it, except a name inside the folder', () => {
  assert.deepEqual(parseFromCompareWebview({ type: 'runImage' }), { type: 'runImage' });
  assert.deepEqual(parseFromCompareWebview({ type: 'pick', what: 'checkpoints', model: 1 }), { type: 'pick', what: 'checkpoints', model: 1 });
  assert.equal(parseFromCompareWebview({ type: 'pick', what: 'checkpoints' }), undefined);
  assert.equal(parseFromCompareWebview({ type: 'pick', what: '/etc/passwd' }), undefined);
  assert.deepEqual(parseFromCompareWebview({ type: 'showImage', name: 'circle/circle-1.png' }), { type: 'showImage', name: 'circle/circle-1.png' });
  assert.equal(parseFromCompareWebview({ type: 'showImage', name: '../../secret.png' }), undefined);
  assert.equal(parseFromCompareWebview({ type: 'settings', method: 'nope', knowledge: { steps: 1, samples: 1, maxImages: 1 } }), undefined);
  assert.equal(parseFromCompareWebview({ type: 'settings', method: 'gradcam', knowledge: { steps: 0, samples: 1, maxImages: 1 } }), undefined);
  assert.deepEqual(parseFromCompareWebview({ type: 'settings', method: 'gradcam', knowledge: { steps: 5, samples: 2, maxImages: 3, extra: 1 } }), {
    type: 'settings',
    method: 'gradcam',
    knowledge: { steps: 5, samples: 2, maxImages: 3 },
  });
  assert.equal(parseFromCompareWebview({ type: 'openModel', model: -1 }), undefined);
  assert.equal(parseFromCompareWebview({ type: 'bogus' }), undefined);
});
