import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../helpers/cli';

const REPO = path.resolve(__dirname, '..', '..');
const MODEL = path.join(REPO, 'demo', 'models', 'shapes');
const IMAGES = path.join(REPO, 'demo', 'images');

/** Two demo images and their boxes in a folder of their own. */
function twoImages(): { dir: string; boxes: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evaluate-'));
  const names = ['circle-1.png', 'square-2.png'];
  for (const n of names) fs.copyFileSync(path.join(IMAGES, n), path.join(dir, n));
  const all = JSON.parse(fs.readFileSync(path.join(IMAGES, 'boxes.json'), 'utf8')) as { file: string }[];
  const boxes = path.join(dir, 'boxes.json');
  fs.writeFileSync(boxes, JSON.stringify(all.filter((e) => e.file === names[0])));
  return { dir, boxes };
}

test('evaluate --json: the documented shape, means over the images, pointing only where a box exists, the random baselines; --sanity: the edge detector never changes', async () => {
  const { dir, boxes } = twoImages();
  const r = await cli('evaluate', MODEL, dir, '--method', 'gradcam', '--method', 'edge', '--boxes', boxes, '--sanity', '--json', '--backend', 'wasm');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['model', 'score', 'images', 'means']);
  assert.equal(j.score, 'probability');
  assert.deepEqual(
    j.images.map((i: { image: string }) => i.image),
    ['circle-1.png', 'square-2.png'],
  );
  for (const image of j.images) {
    assert.deepEqual(
      image.methods.map((m: { method: string }) => m.method),
      ['gradcam', 'edge'],
    );
    for (const m of image.methods) {
      assert.deepEqual(Object.keys(m), [
        'method',
        'deletionAuc',
        'insertionAuc',
        'pointing',
        'energyPointing',
        'randomDeletionAuc',
        'randomInsertionAuc',
        'randomPointing',
        'sanity',
      ]);
      for (const k of ['deletionAuc', 'insertionAuc', 'randomDeletionAuc', 'randomInsertionAuc'])
        assert.ok(m[k] >= 0 && m[k] <= 1, `${k} is an AUC of probabilities`);
      if (image.image === 'circle-1.png') {
        assert.equal(typeof m.pointing, 'boolean');
        assert.ok(m.energyPointing >= 0 && m.energyPointing <= 1);
        assert.ok(m.randomPointing > 0 && m.randomPointing < 1);
      } else assert.deepEqual([m.pointing, m.energyPointing, m.randomPointing], [null, null, null], 'no box: no pointing numbers');
    }
  }
  for (const method of ['gradcam', 'edge']) {
    const rows = j.images.map((i: { methods: { method: string; deletionAuc: number }[] }) => i.methods.find((m) => m.method === method)!);
    assert.ok(Math.abs(j.means[method].deletionAuc - (rows[0].deletionAuc + rows[1].deletionAuc) / 2) < 1e-9, 'the mean of the images');
    assert.equal(j.means[method].pointing, rows[0].pointing ? 1 : 0, 'the hit rate over the images with a box');
  }
  const edge = j.means.edge.sanity as { layer: string; rankCorrelation: number }[];
  assert.equal(edge[0].layer, 'predictions', 'top down: the output layer first');
  assert.ok(
    edge.every((s) => Math.abs(s.rankCorrelation - 1) < 1e-9),
    'a model-independent map does not change',
  );
  const gradcam = j.means.gradcam.sanity as { layer: string; rankCorrelation: number }[];
  assert.ok(gradcam.at(-1)!.rankCorrelation < 0.5, `Grad-CAM changes with the weights: ${JSON.stringify(gradcam)}`);
});

test('evaluate: bad input exits 2 with one line naming the problem', async () => {
  const onnx = path.join(REPO, 'demo', 'runs', 'teacher', 'model.onnx');
  const image = path.join(REPO, 'demo', 'kd-images', 'circle', fs.readdirSync(path.join(REPO, 'demo', 'kd-images', 'circle'))[0]);
  for (const [args, message] of [
    [
      ['evaluate', MODEL, IMAGES, '--method', 'nope'],
      `model-lens: --method must be one of ${(await import('../../src/core/explain/specs')).METHODS.join(', ')} (got "nope")`,
    ],
    [
      ['evaluate', onnx, image, '--method', 'edge', '--sanity'],
      `model-lens: ${onnx}: the sanity check randomises the weights of TF.js layers and Keras models, not onnx models`,
    ],
    [['evaluate', MODEL], 'model-lens: usage: model-lens evaluate <model> <image or folder> [--method M]... [--boxes FILE] [--sanity] [--json]'],
  ] as const) {
    const r = await cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err, message);
  }
});
