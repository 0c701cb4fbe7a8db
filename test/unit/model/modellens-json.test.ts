import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { savePreprocessTo } from '../../../src/core/model/modellens-json';
import { resolveModelSettings } from '../../../src/core/model/model-config';

test("the panel's Save: preprocessing for this model file in modellens.json, every other key kept; a malformed file is not touched", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-save-'));
  const model = path.join(dir, 'digits.onnx');
  const spec = { scale: '0..255' as const, channelOrder: 'rgb' as const, resize: 'letterbox' as const, invert: true };
  assert.equal(await savePreprocessTo(model, spec), path.join(dir, 'modellens.json'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'modellens.json'), 'utf8')), { models: { 'digits.onnx': { preprocess: spec } } });
  // Read back: it is this model's preprocessing now.
  assert.deepEqual(resolveModelSettings(model).preprocess, spec);
  // Other keys and other models stay.
  fs.writeFileSync(
    path.join(dir, 'modellens.json'),
    JSON.stringify({ labels: ['a', 'b'], models: { 'other.onnx': { output: 1 }, 'digits.onnx': { output: 0 } } }),
  );
  await savePreprocessTo(model, spec);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'modellens.json'), 'utf8')), {
    labels: ['a', 'b'],
    models: { 'other.onnx': { output: 1 }, 'digits.onnx': { output: 0, preprocess: spec } },
  });
  fs.writeFileSync(path.join(dir, 'modellens.json'), '{"labels": [');
  await assert.rejects(
    savePreprocessTo(model, spec),
    (err: Error) => err.message.startsWith(`${path.join(dir, 'modellens.json')}: malformed JSON (`) && err.message.endsWith('so it was not changed'),
  );
  assert.equal(fs.readFileSync(path.join(dir, 'modellens.json'), 'utf8'), '{"labels": [');
});
