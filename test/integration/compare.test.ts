import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../helpers/cli';

const repo = path.resolve(__dirname, '..', '..');
const demoModel = path.join(repo, 'demo', 'models', 'shapes', 'model.json');
const demoImages = path.join(repo, 'demo', 'images');

test('compare a model with itself: agreement 1, KL 0, identical maps; the documented JSON shape', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-compare-'));
  const folder = path.join(tmp, 'images');
  // Class sub-folders name the truth; a file outside them has none.
  for (const [cls, f] of [
    ['circle', 'circle-1.png'],
    ['square', 'square-1.png'],
    ['triangle', 'triangle-2.png'],
  ]) {
    fs.mkdirSync(path.join(folder, cls), { recursive: true });
    fs.copyFileSync(path.join(demoImages, f), path.join(folder, cls, f));
  }
  const out = path.join(tmp, 'out');
  const r = await cli('compare', demoModel, demoModel, folder, '--json', '--backend', 'cpu', '--out', out);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).sort(), ['images', 'models', 'pairs']);
  assert.deepEqual(Object.keys(j.models[0]).sort(), ['accuracy', 'agreement', 'kl', 'path', 'pointing']);
  assert.equal(j.models[0].agreement, null, 'no agreement of the first model with itself');
  assert.equal(j.models[0].kl, null);
  assert.equal(j.models[1].agreement, 1);
  assert.equal(j.models[1].kl, 0);
  assert.equal(j.models[0].accuracy, 1, 'the demo model gets its three images right (sub-folder names matched to its labels)');
  assert.equal(j.models[0].pointing, null, 'no boxes given');
  assert.deepEqual(Object.keys(j.pairs[0]).sort(), ['a', 'b', 'cosine', 'iouTop20', 'rankCorrelation']);
  assert.ok(Math.abs(j.pairs[0].rankCorrelation - 1) < 1e-9 && j.pairs[0].iouTop20 === 1 && Math.abs(j.pairs[0].cosine - 1) < 1e-9);
  assert.equal(j.images.length, 3);
  assert.deepEqual(Object.keys(j.images[0].predictions[0]).sort(), ['index', 'label', 'model', 'score']);
  assert.ok(j.images.every((i: { disagreement: number }) => i.disagreement === 0));
  // --out: an overlay per image and model, and results.json = the --json object.
  assert.ok(fs.existsSync(path.join(out, 'circle_circle-1.m1.overlay.png')) && fs.existsSync(path.join(out, 'circle_circle-1.m2.overlay.png')));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')), j);
});

test('compare: images where models disagree come first; boxes give the pointing game; bad arguments exit 2 with one line', async () => {
  // The demo model against the same model fed differently (--layer differs per model: a shallower layer).
  const r = await cli(
    'compare',
    demoModel,
    demoModel,
    demoImages,
    '--layer',
    'last_conv_relu',
    '--layer',
    'conv2',
    '--boxes',
    path.join(demoImages, 'boxes.json'),
    '--json',
    '--backend',
    'cpu',
  );
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.ok(j.models[0].pointing !== null && j.models[0].pointing > 0.5, `pointing ${j.models[0].pointing}`);
  assert.ok(j.models[0].accuracy > 0.9, 'labels from the boxes file of the demo layout');
  assert.ok(j.pairs[0].rankCorrelation < 1, 'maps at different layers differ');
  // Same predictions: no disagreement; ordered by 1 − rank correlation then.
  assert.ok(j.images.every((i: { disagreement: number }) => i.disagreement === 0));
  for (const [args, message] of [
    [[demoModel, demoImages], 'model-lens: compare needs at least two models and an image or folder: model-lens compare <model> <model>... <image or folder>'],
    [
      [demoModel, demoModel, demoImages, '--layer', 'a', '--layer', 'b', '--layer', 'c'],
      'model-lens: --layer is given 3 times for 2 models (one per model, in model order)',
    ],
    [[demoModel, demoModel, demoImages, '--method', 'magic'], /^model-lens: --method must be one of gradcam, /],
  ] as const) {
    const bad = await cli('compare', ...args);
    assert.equal(bad.code, 2);
    if (typeof message === 'string') assert.equal(bad.err, message);
    else assert.match(bad.err, message);
  }
});
