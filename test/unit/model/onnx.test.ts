import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { inputGradient } from '../../../src/core/model/gradient';
import { METHOD_TABLE } from '../../../src/core/explain/registry';
import { unitScore } from '../../../src/core/explain/target';
import { DEFAULT_PARAMS } from '../../../src/core/explain/types';
import { clearModelCache, loadModel } from '../../../src/core/model/load';
import { ModelType } from '../../../src/core/model/onnx/proto';
import { relativeError } from '../../helpers/assert-close';
import { cli } from '../../helpers/cli';

/**
 * Fixtures exported by PyTorch 1.13's torch.onnx (scripts/make-onnx-fixtures.py, run with Debian's
 * python3-torch) with the logits and Grad-CAM maps PyTorch computed for a seeded input.
 */
const dir = path.resolve(__dirname, '..', '..', 'fixtures', 'onnx');
const FIXTURES = ['small-cnn', 'dw-residual', 'softmax-head', 'small-cnn-opset9'];
interface Reference {
  input: { shape: number[]; values: number[] };
  output: number[];
  logits: number[];
  softmax: boolean;
  gradcam: { layer: string; target: number; height: number; width: number; values: number[] };
}
const ref = (name: string): Reference => JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
/** The reference input (NCHW) as the NHWC batch Model Lens feeds an image model. */
const nhwcInput = (r: Reference): tf.Tensor4D =>
  tf.tidy(() => tf.transpose(tf.tensor4d(r.input.values, r.input.shape as [number, number, number, number]), [0, 2, 3, 1]));

for (const backend of ['cpu', 'wasm'] as const) {
  for (const name of FIXTURES) {
    test(`ONNX ${name} on ${backend}: PyTorch's logits (≤ 1e-4) and Grad-CAM (‖Δ‖/‖·‖ ≤ 1e-3); no tensors left behind`, async () => {
      await initEngine({ backend });
      clearModelCache();
      const r = ref(name);
      const model = await loadModel(path.join(dir, `${name}.onnx`));
      assert.equal(model.format, 'onnx');
      assert.deepEqual(model.inputs[0].shape, [null, r.input.shape[2], r.input.shape[3], r.input.shape[1]], 'NCHW input offered as NHWC');
      assert.equal(model.softmaxOutputs[0], r.softmax);
      const x = nhwcInput(r);
      const before = tf.memory().numTensors;
      const { outputs } = model.forward(x);
      const logits = Array.from(outputs[0].dataSync());
      assert.equal(logits.length, r.logits.length);
      const maxDiff = Math.max(...logits.map((v, i) => Math.abs(v - r.logits[i])));
      assert.ok(maxDiff <= 1e-4, `max |Δ logit| ${maxDiff}`);
      const probs = model.forward(x, { logits: false }).outputs;
      assert.ok(Math.max(...Array.from(probs[0].dataSync()).map((v, i) => Math.abs(v - r.output[i]))) <= 1e-4, "the model's own output");
      tf.dispose([outputs, probs]);

      const cam = await METHOD_TABLE.gradcam({
        model,
        input: x,
        score: unitScore(0, r.gradcam.target),
        layers: [r.gradcam.layer],
        params: { ...DEFAULT_PARAMS, batchSize: 1 },
      });
      assert.deepEqual([cam.grid.height, cam.grid.width], [r.gradcam.height, r.gradcam.width]);
      const err = relativeError(cam.grid.values, Float32Array.from(r.gradcam.values));
      assert.ok(err <= 1e-3, `Grad-CAM ‖Δ‖/‖·‖ = ${err}`);
      assert.equal(tf.memory().numTensors, before, 'tensors after forward passes and Grad-CAM');
      x.dispose();
    });
  }
}

test('ONNX gradients through the translated graph equal finite differences (dw-residual: depthwise, grouped, HardSwish, Clip, gate, Concat)', async () => {
  await initEngine({ backend: 'cpu' });
  const r = ref('dw-residual');
  const model = await loadModel(path.join(dir, 'dw-residual.onnx'));
  const x = nhwcInput(r);
  const score = unitScore(0, 2);
  const g = inputGradient(model, x, score);
  const gv = g.dataSync();
  const xv = x.dataSync();
  const f = (values: Float32Array): number => tf.tidy(() => score(model.forward(tf.tensor(values, x.shape)).outputs).dataSync()[0]);
  const eps = 1e-2;
  // The ten input pixels with the largest gradient, checked by central differences (float64 would be
  // needed for more; these dominate the norm).
  const order = Array.from(gv.keys())
    .sort((a, b) => Math.abs(gv[b]) - Math.abs(gv[a]))
    .slice(0, 10);
  for (const i of order) {
    const up = Float32Array.from(xv);
    const down = Float32Array.from(xv);
    up[i] += eps;
    down[i] -= eps;
    const fd = (f(up) - f(down)) / (2 * eps);
    assert.ok(Math.abs(fd - gv[i]) <= 2e-3 + 0.02 * Math.abs(gv[i]), `pixel ${i}: gradient ${gv[i]}, finite difference ${fd}`);
  }
  tf.dispose([x, g]);
});

test('model-lens summary of an ONNX file lists its nodes and operators; explain runs Grad-CAM on it', async () => {
  const s = await cli('summary', path.join(dir, 'dw-residual.onnx'), '--json', '--backend', 'cpu');
  assert.equal(s.code, 0, s.err);
  const json = JSON.parse(s.out);
  assert.equal(json.format, 'onnx');
  assert.ok(json.operators.some((o: { op: string; supported: boolean }) => o.op === 'Conv' && o.supported));
  assert.ok(json.layers.some((l: { name: string; type: string }) => l.name === 'cam_layer' && l.type === 'Relu'));
  const text = await cli('summary', path.join(dir, 'small-cnn.onnx'), '--backend', 'cpu');
  assert.match(text.out, /operators \(9\): Conv ×2, Relu ×1, MaxPool ×1, LeakyRelu ×1, .*\nall supported$/);
});

/** Encodes a minimal ONNX model (one node) with protobufjs, as an exporter would. */
function onnxBytes(opType: string, domain = ''): Uint8Array {
  return ModelType.encode(
    ModelType.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        node: [{ input: ['x'], output: ['y'], name: 'n0', opType, domain }],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }, { dimValue: 4 }, { dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    }),
  ).finish();
}

test('ONNX bad input: unsupported operator (named with its node), truncated and corrupt files, missing external data — one line each', async () => {
  await initEngine({ backend: 'cpu' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-onnx-'));
  const unsupported = path.join(tmp, 'nms.onnx');
  fs.writeFileSync(unsupported, onnxBytes('NonMaxSuppression'));
  // summary describes the file and exits 0; explaining refuses, naming the operator in the way.
  const s = await cli('summary', unsupported);
  assert.equal(s.code, 0, s.err);
  const lines = s.out.split('\n');
  assert.ok(lines.includes('operators (1): NonMaxSuppression ×1 (not supported)'), s.out);
  assert.ok(lines.includes('warning: output "y" cannot be computed: operator "NonMaxSuppression" of node "n0" is not supported'), s.out);
  const json = JSON.parse((await cli('summary', unsupported, '--json')).out);
  assert.deepEqual(json.unavailableOutputs, [{ name: 'y', reason: 'operator "NonMaxSuppression" of node "n0" is not supported' }]);
  assert.deepEqual(json.outputs, []);
  const nms = await loadModel(unsupported);
  assert.throws(() => nms.forward(tf.zeros([1, 4, 4, 3])), {
    message: `${unsupported}: operator "NonMaxSuppression" of node "n0" is not supported, and it lies between the input and every output (model-lens summary lists the file's operators)`,
  });

  const ok = path.join(tmp, 'relu.onnx');
  fs.writeFileSync(ok, onnxBytes('Relu'));
  const relu = await loadModel(ok);
  const y = relu.forward(
    tf.tensor4d(
      [
        -1, 2, -3, 4, 5, -6, 7, -8, 9, -10, 11, -12, 1, 1, 1, 1, -1, -1, -1, -1, 0, 0, 0, 0, 3, 3, 3, 3, 2, 2, 2, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
        14, 15, 16,
      ],
      [1, 4, 4, 3],
    ),
  ).outputs[0];
  assert.deepEqual(y.shape, [1, 4, 4, 3], 'a 4-D output of an NCHW model comes back channels-last');
  assert.equal(y.dataSync()[0], 0);
  assert.equal(y.dataSync()[1], 2);
  y.dispose();

  const bytes = fs.readFileSync(path.join(dir, 'small-cnn.onnx'));
  const truncated = path.join(tmp, 'truncated.onnx');
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(loadModel(truncated), { message: `${truncated}: not a readable ONNX model (the file is truncated or corrupt)` });
  const corrupt = path.join(tmp, 'corrupt.onnx');
  fs.writeFileSync(corrupt, 'not a model at all');
  await assert.rejects(loadModel(corrupt), { message: `${corrupt}: not a readable ONNX model (the file is truncated or corrupt)` });

  // External data: a weight stored beside the model, then missing, then short.
  const withExternal = ModelType.encode(
    ModelType.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        node: [{ input: ['x', 'w'], output: ['y'], name: 'add', opType: 'Add' }],
        initializer: [
          {
            name: 'w',
            dims: [3],
            dataType: 1,
            dataLocation: 1,
            externalData: [
              { key: 'location', value: 'weights.bin' },
              { key: 'offset', value: '4' },
              { key: 'length', value: '12' },
            ],
          },
        ],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    }),
  ).finish();
  const ext = path.join(tmp, 'ext.onnx');
  fs.writeFileSync(ext, withExternal);
  await assert.rejects(loadModel(ext), { message: `${path.join(tmp, 'weights.bin')}: external data file of ext.onnx is missing (tensor "w")` });
  fs.writeFileSync(path.join(tmp, 'weights.bin'), Buffer.from(new Float32Array([99, 1, 2, 3]).buffer));
  const m = await loadModel(ext);
  const out = m.forward(tf.tensor2d([[10, 20, 30]])).outputs[0];
  assert.deepEqual(Array.from(out.dataSync()), [11, 22, 33]);
  out.dispose();
  fs.writeFileSync(path.join(tmp, 'weights.bin'), Buffer.from(new Float32Array([99, 1]).buffer));
  clearModelCache();
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(ext, later, later);
  await assert.rejects(loadModel(ext), {
    message: `${path.join(tmp, 'weights.bin')}: external data file is truncated: tensor "w" needs bytes 4–16, the file has 8`,
  });
  fs.rmSync(tmp, { recursive: true });
});

test('a TensorFlow SavedModel gets one line saying how to convert it; a Keras file that is not HDF5 says so', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-saved-'));
  fs.mkdirSync(path.join(tmp, 'variables'));
  fs.writeFileSync(path.join(tmp, 'saved_model.pb'), Buffer.from([8, 1]));
  const msg = `${tmp}: a TensorFlow SavedModel, which TensorFlow.js cannot differentiate; convert it with "tensorflowjs_converter --input_format=tf_saved_model ${tmp} <folder>" (a TF.js graph model) or to ONNX with "python -m tf2onnx.convert --saved-model ${tmp} --output model.onnx"`;
  await assert.rejects(loadModel(tmp), { message: msg });
  const r = await cli('summary', tmp);
  assert.deepEqual([r.code, r.err], [2, `model-lens: ${msg}`]);
  const h5 = path.join(tmp, 'model.h5');
  fs.writeFileSync(h5, Buffer.from([0x89, 0x48, 0x44, 0x46]));
  await assert.rejects(loadModel(h5), { message: `${h5}: not an HDF5 file (no HDF5 signature)` });
  fs.rmSync(tmp, { recursive: true });
});

test('ONNX translation: nodes in any order; constant sub-graphs folded at load; images stay channels-last (no transposes in a forward pass)', async () => {
  await initEngine({ backend: 'cpu' });
  const { decodeOnnx } = await import('../../../src/core/model/onnx/proto');
  const { OnnxInspectableModel } = await import('../../../src/core/model/onnx/model');
  const r = ref('softmax-head');
  const decoded = decodeOnnx(fs.readFileSync(path.join(dir, 'softmax-head.onnx')), () => new Uint8Array(0));
  const shuffled = new OnnxInspectableModel('shuffled', { ...decoded, nodes: [...decoded.nodes].reverse() });
  const x = nhwcInput(r);
  const logits = tf.tidy(() => Array.from(shuffled.forward(x).outputs[0].dataSync()));
  assert.ok(Math.max(...logits.map((v, i) => Math.abs(v - r.logits[i]))) <= 1e-4, 'reversed node order gives the same logits');
  // F.pad's pads are computed by a Constant → ConstantOfShape → Concat → Reshape → Slice → Transpose → Cast chain: folded.
  const types = new Set(shuffled.layers.map((l) => l.type));
  for (const folded of ['Constant', 'ConstantOfShape', 'Cast', 'Transpose']) assert.ok(!types.has(folded), `${folded} nodes were folded at load`);
  shuffled.dispose();

  const model = await loadModel(path.join(dir, 'dw-residual.onnx'));
  const x2 = nhwcInput(ref('dw-residual'));
  const profile = await tf.profile(() => model.forward(x2).outputs);
  const transposes = profile.kernels.filter((k) => k.name === 'Transpose').length;
  const convs = profile.kernels.filter((k) => /Conv2D|DepthwiseConv2dNative/.test(k.name)).length;
  assert.ok(convs >= 4, `${convs} convolutions ran`);
  assert.equal(transposes, 0, 'no transposes between operators of an NCHW model fed NHWC');
  tf.dispose(profile.result as tf.Tensor[]);
  tf.dispose([x, x2]);
});

test('ONNX side branches: an unsupported operator on a branch that the explained output does not need (a tf2onnx training graph) does not stop the rest', async () => {
  await initEngine({ backend: 'cpu' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-onnx-side-'));
  // logits = x·W (the output explained); accuracy = mean(Equal(ArgMax(logits), label)) (forward-only ops that run);
  // boxes = NonMaxSuppression(…) (not translated): a side branch.
  const file = path.join(tmp, 'train-graph.onnx');
  fs.writeFileSync(
    file,
    ModelType.encode(
      ModelType.fromObject({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'tf2onnx',
          node: [
            { input: ['x', 'W'], output: ['logits'], name: 'dense', opType: 'MatMul' },
            {
              input: ['logits'],
              output: ['pred'],
              name: 'argmax',
              opType: 'ArgMax',
              attribute: [
                { name: 'axis', type: 2, i: 1 },
                { name: 'keepdims', type: 2, i: 0 },
              ],
            },
            { input: ['pred', 'label'], output: ['hit'], name: 'equal', opType: 'Equal' },
            { input: ['hit'], output: ['hitf'], name: 'cast', opType: 'Cast', attribute: [{ name: 'to', type: 2, i: 1 }] },
            { input: ['hitf'], output: ['accuracy'], name: 'mean', opType: 'ReduceMean', attribute: [{ name: 'keepdims', type: 2, i: 0 }] },
            { input: ['logits', 'logits'], output: ['boxes'], name: 'nms', opType: 'NonMaxSuppression' },
          ],
          initializer: [
            { name: 'W', dims: [3, 2], dataType: 1, floatData: [1, 0, 0, 1, 1, 1] },
            { name: 'label', dims: [1], dataType: 7, int64Data: [1] },
          ],
          input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } } }],
          output: ['logits', 'accuracy', 'boxes'].map((name) => ({ name, type: { tensorType: { elemType: 1 } } })),
        },
      }),
    ).finish(),
  );
  const s = JSON.parse((await cli('summary', file, '--json')).out);
  assert.deepEqual(
    s.outputs.map((o: { name: string }) => o.name),
    ['logits', 'accuracy'],
  );
  assert.deepEqual(s.unavailableOutputs, [{ name: 'boxes', reason: 'operator "NonMaxSuppression" of node "nms" is not supported' }]);
  const m = await loadModel(file);
  const [logits, accuracy] = m.forward(tf.tensor2d([[1, 2, 3]])).outputs;
  assert.deepEqual(Array.from(logits.dataSync()), [1 + 3, 2 + 3]); // x·W by hand
  assert.deepEqual(Array.from(accuracy.dataSync()), [1]); // argmax 1 = label 1
  tf.dispose([logits, accuracy]);
  fs.rmSync(tmp, { recursive: true });
});
