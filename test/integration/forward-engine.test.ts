// The forward-only engine (src/core/engine/forward-engine.ts): occlusion's passes through onnxruntime-node
// give the TF.js path's maps within 1e-4 (relative L2) on a PyTorch export (NCHW) and on a channels-last
// ONNX model; no tensor is left; what it cannot run is refused in one line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { onnxruntimeNodeEngine } from '../../src/core/engine/forward-engine';
import { explainImage } from '../../src/core/explain/explain-image';
import { readImage } from '../../src/core/image/decode';
import { DEFAULT_PREPROCESS } from '../../src/core/image/preprocess';
import { loadModel } from '../../src/core/model/load';
import { relativeError } from '../helpers/assert-close';
import { cli } from '../helpers/cli';
import { encodeOnnx } from '../helpers/onnx';

const repo = path.resolve(__dirname, '..', '..');
const teacher = path.join(repo, 'demo', 'runs', 'teacher', 'model.onnx');
const image = path.join(repo, 'demo', 'kd-images', 'circle', 'circle-1.png');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-forward-'));

/** A channels-last ONNX classifier (input [1, 8, 8, 3], as tf2onnx exports keep it): Flatten, Gemm. */
function nhwcClassifier(): string {
  let s = 7;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const file = path.join(tmp, 'nhwc.onnx');
  fs.writeFileSync(
    file,
    encodeOnnx(
      [
        { input: ['x'], output: ['flat'], name: 'flatten', opType: 'Flatten', attribute: [{ name: 'axis', type: 2, i: 1 }] },
        { input: ['flat', 'W', 'B'], output: ['y'], name: 'fc', opType: 'Gemm', attribute: [{ name: 'transB', type: 2, i: 1 }] },
      ],
      [
        { name: 'W', dims: [4, 192], dataType: 1, floatData: Array.from({ length: 4 * 192 }, rand) },
        { name: 'B', dims: [4], dataType: 1, floatData: Array.from({ length: 4 }, rand) },
      ],
      [1, 8, 8, 3],
    ),
  );
  return file;
}

test('occlusion through onnxruntime-node equals the TF.js path within 1e-4 on an NCHW PyTorch export and a channels-last model; no tensor left', async () => {
  await initEngine({ backend: 'wasm' });
  for (const [file, params] of [
    [teacher, { window: 6, stride: 2 }],
    [nhwcClassifier(), { window: 3, stride: 1 }],
  ] as const) {
    const model = await loadModel(file);
    const picture = await readImage(image, { input: { height: model.inputs[0].shape[1] ?? null, width: model.inputs[0].shape[2] ?? null } });
    const opts = { method: 'occlusion' as const, preprocess: DEFAULT_PREPROCESS, params: { ...params, batchSize: 16 } };
    const reference = await explainImage(model, picture, opts);
    const engine = await onnxruntimeNodeEngine(model, 2);
    const before = tf.memory().numTensors;
    const fast = await explainImage(model, picture, { ...opts, forward: engine });
    assert.equal(tf.memory().numTensors, before, `${file}: tensors left`);
    assert.ok(
      reference.grid.values.some((v) => Math.abs(v) > 1e-3),
      `${file}: the map is not flat`,
    );
    const gap = relativeError(fast.grid.values, reference.grid.values);
    assert.ok(gap <= 1e-4, `${file}: relative L2 ${gap}`);
    assert.deepEqual(
      fast.top.map((p) => p.index),
      reference.top.map((p) => p.index),
    );
  }
});

test('--forward-engine: the command line names the engine, runs in one thread, and refuses what it cannot do in one line', async () => {
  const ok = await cli(
    'explain',
    teacher,
    image,
    '--method',
    'occlusion',
    '--window',
    '8',
    '--stride',
    '4',
    '--forward-engine',
    'onnxruntime-node',
    '--workers',
    '2',
  );
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, / ms on onnxruntime-node \(wasm for the rest\)$/);
  assert.match(ok.err, /^model-lens explain: note: --forward-engine runs in this thread \(its own threads use every core\), so one worker$/m);
  const json = await cli('explain', teacher, image, '--method', 'occlusion', '--forward-engine', 'onnxruntime-node', '--json');
  assert.equal(JSON.parse(json.out).forwardEngine, 'onnxruntime-node');

  const refused = async (args: string[], message: string, env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const r = await cli('explain', ...args);
      assert.deepEqual([r.code, r.err.trim()], [2, `model-lens: ${message}`]);
    } finally {
      process.env = saved;
    }
  };
  await refused([teacher, image, '--method', 'occlusion', '--forward-engine', 'tensorrt'], '--forward-engine must be onnxruntime-node (got "tensorrt")');
  await refused(
    [teacher, image, '--method', 'gradcam', '--forward-engine', 'onnxruntime-node'],
    "--forward-engine runs occlusion's forward passes; --method gradcam does not use it",
  );
  const layers = path.join(repo, 'demo', 'models', 'shapes', 'model.json');
  await refused(
    [layers, path.join(repo, 'demo', 'images', 'circle-1.png'), '--method', 'occlusion', '--forward-engine', 'onnxruntime-node'],
    `--forward-engine onnxruntime-node runs ONNX models; ${layers} is a tfjs-layers model`,
  );
  const missing = path.join(tmp, 'no-such-folder');
  const r = await (async () => {
    const saved = { ...process.env };
    process.env.MODEL_LENS_ONNXRUNTIME_NODE = missing;
    try {
      return await cli('explain', teacher, image, '--method', 'occlusion', '--forward-engine', 'onnxruntime-node');
    } finally {
      process.env = saved;
    }
  })();
  assert.equal(r.code, 2);
  assert.match(
    r.err.trim(),
    new RegExp(`^model-lens: --forward-engine onnxruntime-node: onnxruntime-node cannot be loaded from ${missing} \\(.*\\); install it`),
  );
});
