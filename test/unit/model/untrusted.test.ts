import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../../src/core/engine/backend';
import { formatBytes } from '../../../src/core/io/files';
import { clearModelCache, loadModel } from '../../../src/core/model/load';
import { ModelType } from '../../../src/core/model/onnx/proto';
import { saveLayersModel } from '../../../src/core/model/save';
import { summarize } from '../../../src/core/model/summary';
import { writeGraphModel } from '../../helpers/graph-fixture';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-untrusted-'));
const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'onnx');

test.before(async () => {
  await initEngine({ backend: 'wasm' });
});
test.afterEach(() => clearModelCache());
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

async function layersModel(name: string): Promise<string> {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3, name: 'conv', kernelInitializer: 'ones' }));
  m.add(tfl.layers.flatten({ name: 'flat' }));
  m.add(tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out', kernelInitializer: 'ones' }));
  return saveLayersModel(m, path.join(root, name));
}

function edit(file: string, f: (j: any) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  f(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

test('model.json from Keras 2.14 / 3 converters: regularizer, constraint and initializer names TF.js lacks do not matter for inference', async () => {
  const file = await layersModel('keras214');
  edit(file, (j) => {
    const conv = j.modelTopology.config.layers[0].config;
    conv.kernel_regularizer = { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.01 }, registered_name: null };
    conv.kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } };
    conv.kernel_initializer = { module: 'keras.initializers', class_name: 'HeNormal', config: { seed: null }, registered_name: null };
    j.modelTopology.config.layers[2].config.bias_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.1 } };
  });
  const m = await loadModel(file);
  const y = m.forward(tf.ones([1, 8, 8, 3])).outputs[0];
  // forward() gives the logits before the softmax: 72 conv outputs of 3·3·3 = 27 each, summed by a dense layer of ones.
  assert.deepEqual(Array.from(y.dataSync()), [72 * 27, 72 * 27]);
  y.dispose();
});

test('model.json: a manifest path that is a number, leaves the folder or is absolute; a shard that is a device; huge or negative shapes; deep nesting; bytes never echoed', async () => {
  const cases: [string, (j: any, dir: string) => void, (f: string, dir: string) => string][] = [
    ['path-number', (j) => (j.weightsManifest[0].paths = [42]), (f) => `${f}: malformed weight shard path (a number, not a string)`],
    [
      'path-escape',
      (j) => (j.weightsManifest[0].paths = ['../../../../etc/passwd']),
      (f) => `${f}: weight shard path "../../../../etc/passwd" leaves the model's folder; only paths inside it are read`,
    ],
    [
      'path-absolute',
      (j) => (j.weightsManifest[0].paths = ['/etc/passwd']),
      (f) => `${f}: weight shard path "/etc/passwd" is absolute; only paths inside the model's folder are read`,
    ],
    [
      'shard-device',
      (j, dir) => {
        fs.symlinkSync('/dev/zero', path.join(dir, 'zero.bin'));
        j.weightsManifest[0].paths = ['zero.bin'];
      },
      (_f, dir) => `${path.join(dir, 'zero.bin')}: a device, not a weight shard`,
    ],
    [
      'negative-dim',
      (j) => (j.weightsManifest[0].weights[0].shape = [3, -3, 3, 2]),
      (f) => `${f}: weight "conv/kernel" has an invalid shape ([3,-3,3,2]; dimensions must be whole numbers ≥ 0)`,
    ],
    [
      'huge-dim',
      (j) => (j.weightsManifest[0].weights[0].shape = [1e6, 1e6, 1e6]),
      (f) => `${f}: weight "conv/kernel" declares too many elements (1000000×1000000×1000000)`,
    ],
    ['bad-dtype', (j) => (j.weightsManifest[0].weights[0].dtype = 'float128'), (f) => `${f}: weight "conv/kernel" has an unknown dtype ("float128")`],
  ];
  for (const [name, breakIt, message] of cases) {
    const file = await layersModel(name);
    const dir = path.dirname(file);
    edit(file, (j) => breakIt(j, dir));
    await assert.rejects(loadModel(file), { name: 'InputError', message: message(file, dir) }, name);
  }
  const deep = await layersModel('deep');
  fs.writeFileSync(deep, '{"modelTopology": ' + '['.repeat(10_000) + ']'.repeat(10_000) + '}');
  await assert.rejects(loadModel(deep), { message: `${deep}: malformed model.json (nested more than 256 levels deep)` });
  const inserted = await layersModel('inserted');
  const text = fs.readFileSync(inserted, 'utf8');
  fs.writeFileSync(inserted, text.slice(0, 40) + '\u0007SECRET\u0000BYTES' + text.slice(40));
  await assert.rejects(loadModel(inserted), (err: Error) => {
    assert.equal(err.message, `${inserted}: malformed model.json (not valid JSON at byte 40)`);
    return true;
  });
});

test("a graph model holding string and int weights (a text model's vocabulary) is summarised", async () => {
  const dir = path.join(root, 'strings');
  const file = writeGraphModel(dir);
  const words = ['the', 'naïve', ''];
  const shard = path.join(dir, 'group1-shard1of1.bin');
  const encoded = words.map((w) => {
    const b = Buffer.from(w, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return Buffer.concat([len, b]);
  });
  fs.appendFileSync(shard, Buffer.concat(encoded));
  edit(file, (j) => {
    j.modelTopology.node.push({
      name: 'vocab',
      op: 'Const',
      attr: { value: { tensor: { dtype: 'DT_STRING', tensorShape: { dim: [{ size: '3' }] } } }, dtype: { type: 'DT_STRING' } },
    });
    j.weightsManifest[0].weights.push({ name: 'vocab', shape: [3], dtype: 'string' });
  });
  const s = summarize(await loadModel(file));
  assert.deepEqual(
    s.inputs.map((i) => i.shape),
    [[null, 12, 12, 3]],
  );
  assert.equal(s.outputs.length, 1);
  // One string byte fewer: the walk over the length prefixes finds the shard short.
  fs.truncateSync(shard, fs.statSync(shard).size - 1);
  clearModelCache();
  await assert.rejects(loadModel(file), {
    message: `${shard}: weight shard is truncated: string weight "vocab" runs past the end of its group's ${fs.statSync(shard).size} bytes`,
  });
});

test('ONNX: window attributes are checked before a kernel sees them; external data stays in the folder and is a regular file', async () => {
  const bytes = fs.readFileSync(path.join(fixtures, 'small-cnn.onnx'));
  const base = ModelType.toObject(ModelType.decode(bytes), { longs: Number, bytes: String }) as any;
  const mutate = (name: string, f: (m: any) => void): string => {
    const m = JSON.parse(JSON.stringify(base));
    f(m);
    const out = path.join(root, `${name}.onnx`);
    fs.writeFileSync(out, ModelType.encode(ModelType.fromObject(m)).finish());
    return out;
  };
  const conv = (m: any) => m.graph.node.find((n: any) => n.opType === 'Conv');
  const attr = (n: any, name: string) => n.attribute.find((a: any) => a.name === name);
  const x = tf.zeros([1, 32, 32, 3]);
  const cases: [string, (m: any) => void, string][] = [
    ['stride', (m) => (attr(conv(m), 'strides').ints = [1e9, 1e9]), 'strides [1000000000, 1000000000] must be whole numbers from 1 to 65536'],
    ['pads', (m) => (attr(conv(m), 'pads').ints = [-5, -5, -5, -5]), 'pads [-5, -5, -5, -5] must be whole numbers from 0 to 65536'],
    [
      'kernel',
      (m) =>
        (attr(
          m.graph.node.find((n: any) => n.opType === 'MaxPool'),
          'kernel_shape',
        ).ints = [999, 999]),
      'its 999×999 window does not fit the 16×16 input (padded by [0, 0, 0, 0])',
    ],
  ];
  for (const [name, f, problem] of cases) {
    const file = mutate(name, f);
    const model = await loadModel(file).catch((e: Error) => e);
    const err =
      model instanceof Error
        ? model
        : (() => {
            try {
              model.forward(x);
              return undefined;
            } catch (e) {
              return e as Error;
            }
          })();
    assert.ok(err, `${name}: refused`);
    assert.equal(err!.name, 'InputError', `${name}: ${err!.message}`);
    assert.ok(err!.message.startsWith(`${file}: node "`) && err!.message.endsWith(problem), `${name}: ${err!.message}`);
  }
  x.dispose();
  const external = (location: string) =>
    ModelType.encode(
      ModelType.fromObject({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          node: [{ input: ['x', 'w'], output: ['y'], name: 'add', opType: 'Add' }],
          initializer: [{ name: 'w', dims: [3], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: location }] }],
          input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } } }],
          output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        },
      }),
    ).finish();
  const escape = path.join(root, 'escape.onnx');
  fs.writeFileSync(escape, external('../../etc/passwd'));
  await assert.rejects(loadModel(escape), {
    message: `${escape}: external data of tensor "w" path "../../etc/passwd" leaves the model's folder; only paths inside it are read`,
  });
  const dev = path.join(root, 'dev.onnx');
  fs.writeFileSync(dev, external('zero-data.bin'));
  fs.symlinkSync('/dev/zero', path.join(root, 'zero-data.bin'));
  await assert.rejects(loadModel(dev), { message: `${path.join(root, 'zero-data.bin')}: a device, not an external data file` });
  // A Hugging Face cache links snapshots/…/model.onnx's data to blobs/: a link to a regular file is followed.
  fs.mkdirSync(path.join(root, 'blobs'));
  fs.writeFileSync(path.join(root, 'blobs', 'abc'), Buffer.from(new Float32Array([1, 2, 3]).buffer));
  fs.mkdirSync(path.join(root, 'snap'));
  fs.symlinkSync(path.join(root, 'blobs', 'abc'), path.join(root, 'snap', 'data.bin'));
  const linked = path.join(root, 'snap', 'model.onnx');
  fs.writeFileSync(linked, external('data.bin'));
  const m = await loadModel(linked);
  const y = m.forward(tf.tensor2d([[10, 20, 30]])).outputs[0];
  assert.deepEqual(Array.from(y.dataSync()), [11, 22, 33]);
  y.dispose();
});

test('special files as models: a FIFO and a device are refused without blocking, and the limit on model bytes holds', async () => {
  const fifo = path.join(root, 'pipe.onnx');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(loadModel(fifo), { message: `${fifo}: a named pipe, not a model file` });
  const { setLimits } = await import('../../../src/core/limits');
  setLimits({ maxModelBytes: 1000 });
  try {
    const big = path.join(fixtures, 'small-cnn.onnx');
    await assert.rejects(loadModel(big), {
      message: `${big}: model file too large (${formatBytes(fs.statSync(big).size)}; the limit is 1.0 kB, raise it with --max-model-bytes or the modelLens.limits.maxModelBytes setting)`,
    });
  } finally {
    setLimits({});
  }
});

test('non-finite weights: summary warns (text and --json), explain refuses an output that is not finite; a 0×0 input is refused', async () => {
  const { cli } = await import('../../helpers/cli');
  const file = await layersModel('nan');
  const shard = path.join(path.dirname(file), 'group1-shard1of1.bin');
  const bytes = fs.readFileSync(shard);
  bytes.writeFloatLE(NaN, 0); // the first value of conv/kernel
  fs.writeFileSync(shard, bytes);
  const text = await cli('summary', file);
  assert.equal(text.code, 0, text.err);
  assert.ok(text.out.split('\n').includes('warning: 1 weight holds NaN or infinite values ("conv/kernel"); outputs may not be finite'), text.out);
  const json = JSON.parse((await cli('summary', file, '--json')).out);
  assert.deepEqual(json.warnings, ['1 weight holds NaN or infinite values ("conv/kernel"); outputs may not be finite']);
  const image = path.join(root, 'img.png');
  fs.copyFileSync(path.join(__dirname, '..', '..', '..', 'demo', 'images', 'circle-1.png'), image);
  const explained = await cli('explain', file, image);
  assert.equal(explained.code, 2);
  assert.equal(
    explained.err,
    `model-lens: ${file}: output "out" is not finite (NaN or infinite) for this image, so there is nothing to explain (1 weight holds NaN or infinite values ("conv/kernel"))`,
  );

  const zero = await layersModel('zero-input');
  edit(zero, (j) => (j.modelTopology.config.layers[0].config.batch_input_shape = [null, 0, 0, 3]));
  const r = await cli('summary', zero);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^model-lens: ${zero.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  assert.ok(!r.err.includes('\n'), r.err);
});
