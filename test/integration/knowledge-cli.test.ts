import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../helpers/cli';

const repo = path.resolve(__dirname, '..', '..');
const demoModel = path.join(repo, 'demo', 'models', 'shapes', 'model.json');
const demoImages = path.join(repo, 'demo', 'images');
const boxes = path.join(demoImages, 'boxes.json');

test('knowledge --json, --heatmap-out and --checkpoints have the documented shapes; identical checkpoints travel no distance', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-knowledge-'));
  const heat = path.join(tmp, 'heat.json');
  const quick = ['--steps', '12', '--samples', '2', '--backend', 'wasm', '--seed', '3'];
  const r = await cli('knowledge', demoModel, path.join(demoImages, 'square-1.png'), '--boxes', boxes, '--json', '--heatmap-out', heat, ...quick);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).sort(), ['images', 'layer', 'model']);
  assert.equal(j.layer, 'last_conv_relu', 'the default CAM layer');
  assert.deepEqual(Object.keys(j.images[0]).sort(), ['image', 'lambdaFg', 'meanEntropyBg', 'nBg', 'nFg']);
  const h = JSON.parse(fs.readFileSync(heat, 'utf8'));
  assert.equal(h.images[0].image, 'square-1.png');
  assert.deepEqual([h.images[0].grid.width, h.images[0].grid.height, h.images[0].grid.values.length], [16, 16, 256]);
  assert.equal(h.images[0].points.length, j.images[0].nFg + j.images[0].nBg);
  // The same seed gives the same numbers.
  const again = JSON.parse((await cli('knowledge', demoModel, path.join(demoImages, 'square-1.png'), '--boxes', boxes, '--json', ...quick)).out);
  assert.deepEqual(again.images, j.images);

  // Two checkpoints that are the same network: no distance travelled; every point found at the end.
  const ck = path.join(tmp, 'ck');
  for (const e of ['epoch-0', 'epoch-1']) {
    fs.mkdirSync(path.join(ck, e), { recursive: true });
    for (const f of fs.readdirSync(path.dirname(demoModel))) fs.copyFileSync(path.join(path.dirname(demoModel), f), path.join(ck, e, f));
  }
  const c = await cli('knowledge', demoModel, path.join(demoImages, 'square-1.png'), '--boxes', boxes, '--json', '--checkpoints', ck, ...quick);
  assert.equal(c.code, 0, c.err);
  const cj = JSON.parse(c.out);
  assert.deepEqual(Object.keys(cj).sort(), ['checkpoints', 'dMean', 'dStd', 'images', 'layer', 'model', 'rho']);
  assert.equal(cj.checkpoints.length, 2);
  assert.deepEqual(Object.keys(cj.checkpoints[0]).sort(), ['nBg', 'nFg', 'path']);
  assert.equal(cj.dMean, 0);
  assert.equal(cj.dStd, 0);
  assert.equal(cj.rho, 1);
});

test('knowledge: bad arguments exit 2 with one line', async () => {
  const square = path.join(demoImages, 'square-1.png');
  for (const [args, message] of [
    [[demoModel, square], 'model-lens: knowledge needs --boxes FILE: the foreground box of each image'],
    [[demoModel, square, '--boxes', boxes, '--layer', 'nope'], `model-lens: Layer "nope" does not exist in ${demoModel}.`],
    [
      [demoModel, square, '--boxes', boxes, '--checkpoints', path.join(demoImages, 'none-*.onnx')],
      `model-lens: --checkpoints ${path.join(demoImages, 'none-*.onnx')}: needs two or more model files, the first an epoch-0 checkpoint (found 0)`,
    ],
  ] as const) {
    const r = await cli('knowledge', ...args, '--steps', '2', '--samples', '1', '--backend', 'wasm');
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, message);
  }
});
