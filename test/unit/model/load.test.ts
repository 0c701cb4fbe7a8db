import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../../src/core/engine/backend';
import { clearModelCache, loadModel } from '../../../src/core/model/load';
import { saveLayersModel } from '../../../src/core/model/save';
import { relativeError } from '../../helpers/assert-close';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-load-'));

function smallCnn(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({
      inputShape: [8, 8, 3],
      filters: 4,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
      name: 'conv',
    }),
  );
  m.add(tfl.layers.flatten({ name: 'flat' }));
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }), name: 'out' }));
  return m;
}

async function saved(name: string, shardBytes?: number): Promise<string> {
  return saveLayersModel(smallCnn(), path.join(root, name), shardBytes);
}

function editJson(file: string, edit: (j: Record<string, any>) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

test.before(async () => {
  await initEngine({ backend: 'cpu' });
});
test.afterEach(() => clearModelCache());

test('layers model summary: shapes, parameters, softmax output', async () => {
  const m = await loadModel(await saved('ok'));
  assert.equal(m.format, 'tfjs-layers');
  assert.deepEqual(m.inputs[0].shape, [null, 8, 8, 3]);
  assert.deepEqual(
    m.layers.map((l) => [l.name, l.type, l.outputShape.join('x'), l.params]),
    [
      ['conv', 'Conv2D', 'x6x6x4', 3 * 3 * 3 * 4 + 4],
      ['flat', 'Flatten', 'x144', 0],
      ['out', 'Dense', 'x3', 144 * 3 + 3],
    ],
  );
  assert.equal(m.totalParams, 112 + 435);
  assert.deepEqual(m.softmaxOutputs, [true]);
});

test('converter formats 1.x to 4.x load to the same model', async () => {
  const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 3);
  const reference = (await loadModel(await saved('ref'))).forward(x).outputs[0].dataSync();
  // 1.x: no "format", "generatedBy" or "convertedBy"; the Keras topology wrapped as {model_config, training_config}.
  const v1 = await saved('v1');
  editJson(v1, (j) => {
    delete j.format;
    delete j.generatedBy;
    delete j.convertedBy;
    j.modelTopology = { model_config: j.modelTopology, training_config: null, keras_version: '2.2.4', backend: 'tensorflow' };
  });
  // 3.x: signature and userDefinedMetadata present.
  const v3 = await saved('v3');
  editJson(v3, (j) => {
    j.userDefinedMetadata = { note: 'from converter 3.x' };
    j.signature = {};
  });
  // 4.x: weights quantised to uint8 (min/scale) — values close to the float ones.
  const v4 = await saved('v4');
  const dir4 = path.dirname(v4);
  editJson(v4, (j) => {
    const specs = j.weightsManifest[0].weights;
    const data = new Float32Array(fs.readFileSync(path.join(dir4, 'group1-shard1of1.bin')).buffer.slice(0));
    const bytes: number[] = [];
    let offset = 0;
    for (const s of specs) {
      const n = s.shape.reduce((a: number, b: number) => a * b, 1);
      const w = data.subarray(offset, offset + n);
      offset += n;
      const min = Math.min(...w);
      const scale = (Math.max(...w) - min) / 255 || 1;
      w.forEach((v) => bytes.push(Math.round((v - min) / scale)));
      s.quantization = { dtype: 'uint8', min, scale };
    }
    fs.writeFileSync(path.join(dir4, 'group1-shard1of1.bin'), Uint8Array.from(bytes));
  });
  for (const [file, tol] of [
    [v1, 1e-6],
    [v3, 1e-6],
    [v4, 0.05],
  ] as const) {
    const out = (await loadModel(file)).forward(x).outputs[0].dataSync();
    assert.ok(relativeError(out, reference) <= tol, `${file}: ${relativeError(out, reference)}`);
  }
  x.dispose();
});

test('weights split over several shards load', async () => {
  const file = await saved('sharded', 256);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')).weightsManifest[0];
  assert.ok(manifest.paths.length >= 3);
  assert.equal((await loadModel(file)).totalParams, 547);
});

type Breakage = [string, (file: string) => void, (file: string) => string];
const broken: Breakage[] = [
  [
    'missing shard',
    (f) => fs.rmSync(path.join(path.dirname(f), 'group1-shard2of3.bin')),
    (f) => `${path.join(path.dirname(f), 'group1-shard2of3.bin')}: weight shard listed in model.json is missing`,
  ],
  [
    'truncated shard',
    (f) => {
      const s = path.join(path.dirname(f), 'group1-shard3of3.bin');
      fs.writeFileSync(s, fs.readFileSync(s).subarray(0, 10));
    },
    (f) =>
      `${path.join(path.dirname(f), 'group1-shard3of3.bin')}: weight shard is truncated: the weights of its group need 2188 bytes but the shards hold ${1024 * 2 + 10}`,
  ],
  [
    'shard size mismatch',
    (f) => fs.appendFileSync(path.join(path.dirname(f), 'group1-shard3of3.bin'), Buffer.alloc(8)),
    (f) =>
      `${path.join(path.dirname(f), 'group1-shard3of3.bin')}: weight shard size mismatch: the weights of its group need 2188 bytes but the shards hold 2196`,
  ],
  ['malformed model.json', (f) => fs.writeFileSync(f, '{"modelTopology": {'), (f) => `${f}: malformed model.json (`],
  ['model.json without topology', (f) => fs.writeFileSync(f, '{"weightsManifest": []}'), (f) => `${f}: malformed model.json (no "modelTopology")`],
  [
    'unsupported layer',
    (f) =>
      editJson(f, (j) => {
        j.modelTopology.config.layers[1].class_name = 'FancyLayer';
      }),
    (f) => `${f}: unsupported layer "FancyLayer" (TensorFlow.js has no implementation of it)`,
  ],
  [
    'Lambda layer',
    (f) =>
      editJson(f, (j) => {
        j.modelTopology.config.layers[1].class_name = 'Lambda';
        j.modelTopology.config.layers[1].config.name = 'py';
      }),
    (f) => `${f}: layer "py" is a Lambda (Python code), which TensorFlow.js cannot run; replace it with standard layers before saving`,
  ],
];

for (const [name, breakIt, message] of broken) {
  test(`bad model: ${name}`, async () => {
    const file = await saved(name.replace(/ /g, '-'), 1024);
    breakIt(file);
    await assert.rejects(loadModel(file), (err: Error) => {
      assert.equal(err.name, 'InputError');
      assert.ok(err.message.startsWith(message(file)), `got: ${err.message}`);
      return true;
    });
  });
}
