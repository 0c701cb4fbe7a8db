import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseLabelsJson, resolveModelSettings } from '../../../src/core/model/model-config';

const folder = (files: Record<string, string>): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-labels-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, 'model.onnx');
};

test('labels beside a model: labels.txt, classes.txt, classes.json and class_names.json in every shape, in that order', () => {
  // The reported model showed "class 48": its labels were in a classes.json, which was not read.
  const imagenet = folder({ 'classes.json': JSON.stringify({ 0: ['n01440764', 'tench'], 1: ['n01443537', 'goldfish'], 48: ['n01695060', 'Komodo dragon'] }) });
  const s = resolveModelSettings(imagenet);
  assert.equal(s.labels?.[48], 'Komodo dragon');
  assert.equal(s.labels?.[1], 'goldfish');
  assert.equal(s.labels?.[2], '', 'an index the file skips has no label');
  assert.equal(s.sources.labels, path.join(path.dirname(imagenet), 'classes.json'));
  assert.deepEqual(resolveModelSettings(folder({ 'class_names.json': '["cat", "dog"]' })).labels, ['cat', 'dog']);
  assert.deepEqual(resolveModelSettings(folder({ 'classes.json': '{"1": "dog", "0": "cat"}' })).labels, ['cat', 'dog']);
  // labels.txt first; modellens.json above all.
  assert.deepEqual(resolveModelSettings(folder({ 'labels.txt': 'a\nb\n', 'classes.json': '["x", "y"]' })).labels, ['a', 'b']);
  assert.deepEqual(resolveModelSettings(folder({ 'modellens.json': '{"labels": ["m"]}', 'labels.txt': 'a\n' })).labels, ['m']);
});

test('a labels JSON file that is not a list or an index map is a one-line error naming the file', () => {
  const file = '/m/classes.json';
  const shape = `${file}: must be a list of labels or an object from class index to label, such as {"0": "cat"} or {"0": ["n02123045", "cat"]}`;
  assert.throws(() => parseLabelsJson('{"cat": 0}', file), { message: shape });
  assert.throws(() => parseLabelsJson('[1, 2]', file), { message: shape });
  assert.throws(() => parseLabelsJson('{"0": [1, 2]}', file), { message: shape });
  assert.throws(() => parseLabelsJson('"cat"', file), { message: shape });
  assert.throws(() => parseLabelsJson('{"0": "a"', file), /^Error: \/m\/classes\.json: malformed JSON|\/m\/classes\.json: malformed JSON/);
});
