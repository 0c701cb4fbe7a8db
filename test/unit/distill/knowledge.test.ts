import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { progressReporter } from '../../../src/cli/knowledge-command';
import { entropyOf, foregroundCells, GRID, HALF_LOG_2PI_E, knowledgeOf, knowledgePoints } from '../../../src/core/distill/knowledge';
import { mulberry32 } from '../../../src/core/explain/random';
import { OnnxInspectableModel } from '../../../src/core/model/onnx/model';
import { decodeOnnx, ModelType } from '../../../src/core/model/onnx/proto';

test('the entropy of σ by hand: log σ + ½ log(2πe)', () => {
  assert.ok(Math.abs(HALF_LOG_2PI_E - 1.4189385332046727) < 1e-12);
  assert.ok(Math.abs(entropyOf(1) - 1.4189385332046727) < 1e-12);
  assert.ok(Math.abs(entropyOf(0.01) - (Math.log(0.01) + 1.4189385332046727)) < 1e-12);
  assert.ok(Math.abs(entropyOf(0.001) - -5.488816745777465) < 1e-12);
});

test('knowledge points by hand: cells more than b below the background mean; N_fg, N_bg, λ_fg', () => {
  // A 16×16 grid, the box covering the left half (cell centres x < 8 of 16 pixels).
  const fg = foregroundCells(16, 16, { x: 0, y: 0, width: 8, height: 16 });
  assert.equal(fg.filter(Boolean).length, 128);
  const entropy = new Float32Array(GRID * GRID).fill(1);
  entropy[0] = 0.5; // foreground, 0.5 below the background mean of 1: a point
  entropy[1] = 0.9; // 0.1 below: not a point (b = 0.2)
  entropy[15] = 0.7; // background, 0.3 below: a point
  const k = knowledgePoints(entropy, fg, 0.2);
  assert.ok(Math.abs(k.meanEntropyBg - (127 + 0.7) / 128) < 1e-6);
  assert.deepEqual(k.points, [
    [0, 0],
    [0, 15],
  ]);
  assert.deepEqual([k.nFg, k.nBg, k.lambdaFg], [1, 1, 0.5]);
});

/** NCHW [1,3,16,16] → Mul by a mask that zeroes the left half → Conv 3×3 (4) → Relu ("features"). */
function maskedModel(): OnnxInspectableModel {
  const rand = mulberry32(3);
  const mask: number[] = [];
  for (let c = 0; c < 3; c++) for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) mask.push(x < 8 ? 0 : 1);
  const bytes = ModelType.encode(
    ModelType.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        node: [
          { input: ['x', 'mask'], output: ['masked'], name: 'zero_left', opType: 'Mul' },
          {
            input: ['masked', 'K'],
            output: ['conv'],
            name: 'conv',
            opType: 'Conv',
            attribute: [
              { name: 'kernel_shape', type: 7, ints: [3, 3] },
              { name: 'pads', type: 7, ints: [1, 1, 1, 1] },
            ],
          },
          { input: ['conv'], output: ['features'], name: 'relu', opType: 'Relu' },
        ],
        initializer: [
          { name: 'mask', dims: [1, 3, 16, 16], dataType: 1, floatData: mask },
          { name: 'K', dims: [4, 3, 3, 3], dataType: 1, floatData: Array.from({ length: 108 }, () => rand() - 0.3) },
        ],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [1, 3, 16, 16].map((d) => ({ dimValue: d })) } } } }],
        output: [{ name: 'features', type: { tensorType: { elemType: 1 } } }],
      },
    }),
  ).finish();
  return new OnnxInspectableModel(
    'masked.onnx',
    decodeOnnx(bytes, () => new Uint8Array(0)),
  );
}

test('a model whose first layer zeroes a region: σ there reaches its upper clamp (maximal entropy) and holds no knowledge point; no tensor left', async () => {
  await initEngine({ backend: 'cpu' });
  const model = maskedModel();
  const rand = mulberry32(9);
  const input = tf.tensor4d(
    Float32Array.from({ length: 16 * 16 * 3 }, () => 0.2 + 0.6 * rand()),
    [1, 16, 16, 3],
  );
  const weightsBefore = model.weightTensors().map(([, t]) => Array.from(t.dataSync()));
  const before = tf.memory().numTensors;
  // A larger step than the default so that the zeroed cells climb to the clamp in a short test.
  const k = await knowledgeOf(model, input, 'features', { x: 8, y: 0, width: 8, height: 16 }, { steps: 80, samples: 4, lr: 0.1, seed: 1 });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  assert.deepEqual(
    model.weightTensors().map(([, t]) => Array.from(t.dataSync())),
    weightsBefore,
    "only σ learns: the model's weights are untouched",
  );
  input.dispose();
  for (let r = 0; r < GRID; r++)
    for (let c = 0; c < GRID / 2; c++)
      assert.ok(Math.abs(k.entropy[r * GRID + c] - HALF_LOG_2PI_E) < 1e-5, `cell (${r}, ${c}): σ at the clamp, H = ${k.entropy[r * GRID + c]}`);
  assert.ok(
    k.points.every(([, c]) => c >= GRID / 2),
    'no point in the zeroed half',
  );
  // The half the features see keeps information: lower entropy, and points (all foreground here).
  const seen = Array.from({ length: GRID * GRID }, (_, i) => i).filter((i) => i % GRID >= GRID / 2);
  assert.ok(
    seen.every((i) => k.entropy[i] < HALF_LOG_2PI_E - 0.2),
    'the visible half keeps information',
  );
  assert.ok(k.nFg > 0 && k.nBg === 0 && k.lambdaFg === 1, JSON.stringify({ nFg: k.nFg, nBg: k.nBg }));
});

test('samples beyond the memory budget are taken in chunks: the same σ as in one pass (gradients summed, one Adam step), and no tensor left', async () => {
  await initEngine({ backend: 'cpu' });
  const model = maskedModel();
  const rand = mulberry32(3);
  const input = tf.tensor4d(
    Float32Array.from({ length: 16 * 16 * 3 }, () => 0.2 + 0.6 * rand()),
    [1, 16, 16, 3],
  );
  const params = { steps: 12, samples: 6, lr: 0.05, seed: 2 };
  const box = { x: 8, y: 0, width: 8, height: 16 };
  const whole = await knowledgeOf(model, input, 'features', box, params);
  const before = tf.memory().numTensors;
  const chunked = await knowledgeOf(model, input, 'features', box, params, { chunk: 4 });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  input.dispose();
  let worst = 0;
  for (let i = 0; i < GRID * GRID; i++) worst = Math.max(worst, Math.abs(whole.entropy[i] - chunked.entropy[i]));
  // float32 sums in another order: equal within 1e-4 nats.
  assert.ok(worst < 1e-4, `largest entropy difference ${worst}`);
  assert.ok(
    whole.entropy.some((h, i) => Math.abs(h - whole.entropy[(i + 1) % (GRID * GRID)]) > 1e-3),
    'the entropy varies: the comparison is not of constants',
  );
  assert.deepEqual(chunked.points, whole.points);
});

test('the knowledge command reports progress on stderr at most every 10 s (the default), with the time left at the rate since the first report', () => {
  const lines: string[] = [];
  let t = 0;
  const report = progressReporter(
    'knowledge',
    (s) => lines.push(s),
    undefined,
    () => t,
  );
  t = 1000;
  report(10, 100); // too soon; the clock of the rate starts here (the second before it was set-up)
  t = 9000;
  report(20, 100); // 8 s after the start: still too soon
  t = 11_000;
  report(25, 100); // 10 s for 15 steps: 50 s for the 75 left
  t = 20_000;
  report(30, 100); // 9 s after the last line: too soon
  t = 40_000;
  report(100, 100); // done: no line
  assert.deepEqual(lines, ['knowledge: 25 % (25 of 100 steps), about 50 s left']);
});
