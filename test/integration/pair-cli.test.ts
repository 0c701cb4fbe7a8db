import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { cli } from '../helpers/cli';
import { initEngine } from '../../src/core/engine/backend';
import { EmbeddingView } from '../../src/core/explain/pair/embedding';
import { PAIR_METHOD_TABLE } from '../../src/core/explain/pair/registry';
import { PAIR_METHODS } from '../../src/core/explain/pair/specs';
import { explainPair } from '../../src/core/explain/pair/explain-pair';
import { explainImage } from '../../src/core/explain/explain-image';
import { DEFAULT_PAIR_PARAMS } from '../../src/core/explain/pair/types';
import { readImage } from '../../src/core/image/decode';
import { DEFAULT_PREPROCESS, toModelInput } from '../../src/core/image/preprocess';
import { loadModel } from '../../src/core/model/load';
import { relativeError } from '../helpers/assert-close';

const repo = path.resolve(__dirname, '..', '..');
const encoder = path.join(repo, 'demo', 'models', 'encoder', 'model.json');
const image = (f: string) => path.join(repo, 'demo', 'images', f);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-pair-'));

test.before(async () => {
  await initEngine({ backend: 'wasm' });
});

test('pair --heatmap-out and --json have the documented shapes; --out holds both overlays side by side', async () => {
  const maps = path.join(tmp, 'maps.json');
  const out = path.join(tmp, 'pair.png');
  const r = await cli(
    'pair',
    encoder,
    image('circle-1.png'),
    '--augment',
    'flip,jitter=0.4',
    '--method',
    'conditional',
    '--seed',
    '3',
    '--heatmap-out',
    maps,
    '--out',
    out,
    '--json',
  );
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).sort(), ['backend', 'base', 'method', 'params', 'similarity', 'timeMs']);
  assert.equal(j.method, 'conditional');
  assert.equal(j.similarity, 'cosine');
  assert.ok(j.base > -1 && j.base <= 1);
  assert.equal(j.params.augment, 'flip,jitter=0.4');
  assert.equal(j.params.seed, 3);
  // 64 px input: window round(64·64/224) = 18, stride round(8·64/224) = 2 → 24 × 24 positions.
  assert.deepEqual([j.params.window, j.params.stride], [18, 2]);
  const m = JSON.parse(fs.readFileSync(maps, 'utf8'));
  assert.deepEqual(Object.keys(m).sort(), ['a', 'b', 'method', 'params', 'similarity']);
  for (const v of ['a', 'b']) {
    assert.deepEqual(Object.keys(m[v]).sort(), ['grid', 'image']);
    assert.deepEqual([m[v].grid.width, m[v].grid.height, m[v].grid.values.length], [24, 24, 576]);
    assert.deepEqual([m[v].image.width, m[v].image.height, m[v].image.values.length], [64, 64, 4096]);
  }
  const png = PNG.sync.read(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], [128, 64]);
});

test('pair: bad input gets exit code 2 and one line naming the problem', async () => {
  const garbage = path.join(tmp, 'garbage.png');
  fs.writeFileSync(garbage, 'not an image');
  const cases: [string[], string][] = [
    [
      ['pair', encoder, image('circle-1.png'), '--method', 'conditional'],
      'model-lens: give a second image or --augment SPEC (for example --augment crop=0.5,flip,jitter=0.4)',
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--augment', 'flip', '--method', 'conditional'],
      'model-lens: give either a second image or --augment SPEC, not both',
    ],
    [['pair', encoder, image('circle-1.png'), image('cross-1.png')], `model-lens: --method is required: one of ${PAIR_METHODS.join(', ')}`],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'gradcam'],
      `model-lens: --method must be one of ${PAIR_METHODS.join(', ')} (got "gradcam")`,
    ],
    [
      ['pair', encoder, image('circle-1.png'), '--augment', 'zoom', '--method', 'pairwise'],
      'model-lens: --augment: unknown augmentation "zoom"; use crop=S, flip, jitter=S, gray, blur=SIGMA, solarize=T, rotate=DEG.',
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'conditional', '--similarity', 'l1'],
      'model-lens: --similarity must be cosine, dot or l2 (got "l1")',
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'pairwise', '--temperature', '0'],
      'model-lens: --temperature must be a number greater than 0 (got "0")',
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'pairwise', '--temperature', 'warm'],
      'model-lens: --temperature must be a number greater than 0 (got "warm")',
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'pairwise', '--assign', 'first'],
      'model-lens: --assign must be both or smaller-norm (got "first")',
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'conditional', '--layer', 'conv1'],
      "model-lens: --layer chooses Interaction-CAM's feature layer; use --embedding to choose the embedding for other methods",
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'conditional', '--window', '65'],
      'model-lens: --window 65 is larger than the model input (64×64).',
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'interaction-cam', '--layer', 'nope'],
      `model-lens: Layer "nope" does not exist in ${encoder}.`,
    ],
    [
      ['pair', encoder, image('circle-1.png'), image('cross-1.png'), '--method', 'conditional', '--embedding', 'nope'],
      `model-lens: Embedding "nope" is neither an output nor a layer of ${encoder}.`,
    ],
    [
      ['pair', encoder, image('circle-1.png'), path.join(tmp, 'missing.png'), '--method', 'conditional'],
      `model-lens: ${path.join(tmp, 'missing.png')}: file not found`,
    ],
    [['pair', encoder, image('circle-1.png'), garbage, '--method', 'pairwise'], `model-lens: ${garbage}: not a PNG or JPEG image`],
  ];
  for (const [args, message] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.err, message);
  }
});

test('batched and one-at-a-time pair occlusion give the same maps', async () => {
  const model = await loadModel(encoder);
  const view = new EmbeddingView(model);
  const a = toModelInput(await readImage(image('triangle-2.png')), model.inputs[0].shape, DEFAULT_PREPROCESS, model.path).tensor;
  const b = toModelInput(await readImage(image('triangle-3.png')), model.inputs[0].shape, DEFAULT_PREPROCESS, model.path).tensor;
  for (const method of ['conditional', 'context-agnostic', 'pairwise'] as const) {
    const run = (batchSize: number) =>
      PAIR_METHOD_TABLE[method]({
        model: view,
        a,
        b,
        similarity: 'cosine',
        layer: '',
        params: { ...DEFAULT_PAIR_PARAMS, samples: 20, window: 16, stride: 8, batchSize },
      });
    const one = await run(1);
    const many = await run(32);
    for (const v of ['a', 'b'] as const) {
      const err = relativeError(many[v].grid.values, one[v].grid.values);
      assert.ok(err <= 1e-5, `${method} ${v}: ‖batched − one at a time‖/‖one‖ = ${err}`);
    }
  }
  tf.dispose([a, b]);
});

test('a control left at its default (sent as undefined) keeps the default: 100 pairwise trials, 25 SmoothGrad copies', async () => {
  const a = await readImage(image('cross-3.png'));
  const r = await explainPair(await loadModel(encoder), a, a, {
    method: 'pairwise',
    preprocess: DEFAULT_PREPROCESS,
    params: { samples: undefined, temperature: undefined, window: undefined },
  });
  assert.equal(r.params.samples, 100);
  assert.equal(r.params.temperature, 1);
  assert.equal(r.details.trials, 100);
  const shapes = await loadModel(path.join(repo, 'demo', 'models', 'shapes', 'model.json'));
  const e = await explainImage(shapes, a, { method: 'smoothgrad', preprocess: DEFAULT_PREPROCESS, params: { samples: undefined, steps: undefined } });
  assert.equal(e.params.samples, 25);
  assert.equal(e.params.steps, 50);
});

test("pair overlays and exported maps are fitted to --out-size like explain's", async () => {
  const map = path.join(os.tmpdir(), `ml-pair-fit-${process.pid}.json`);
  const r = await cli(
    'pair',
    encoder,
    image('triangle-2.png'),
    image('triangle-3.png'),
    '--method',
    'interaction-cam',
    '--out-size',
    '32',
    '--heatmap-out',
    map,
  );
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(fs.readFileSync(map, 'utf8'));
  assert.deepEqual([json.a.image.width, json.a.image.height, json.a.image.values.length], [32, 32, 32 * 32]);
  assert.deepEqual([json.b.image.width, json.b.image.height], [32, 32]);
  fs.rmSync(map);
});

test('pair --workers 2: the windows or trials shared out over two workers and replayed here give the maps of one worker', async () => {
  for (const method of ['context-agnostic', 'pairwise']) {
    const maps = async (workers: string) => {
      const file = path.join(tmp, `workers-${method}-${workers}.json`);
      const r = await cli(
        'pair',
        encoder,
        image('square-2.png'),
        '--augment',
        'crop=0.7,flip',
        '--method',
        method,
        '--assign',
        'smaller-norm',
        '--samples',
        '40',
        '--window',
        '16',
        '--stride',
        '8',
        '--heatmap-out',
        file,
        '--workers',
        workers,
        '--backend',
        'wasm',
      );
      assert.equal(r.code, 0, r.err);
      const m = JSON.parse(fs.readFileSync(file, 'utf8'));
      return [...m.a.grid.values, ...m.b.grid.values] as number[];
    };
    const one = await maps('1');
    const two = await maps('2');
    assert.ok(one.some((v) => v !== 0));
    assert.ok(relativeError(two, one) <= 1e-6, `${method}: ${relativeError(two, one)}`);
  }
});
