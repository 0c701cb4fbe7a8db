import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { METHOD_TABLE } from '../../../src/core/explain/registry';
import { unitScore } from '../../../src/core/explain/target';
import { guidedBackprop } from '../../../src/core/explain/gradients/guided-backprop';
import { inputGradient } from '../../../src/core/model/gradient';
import { DEFAULT_PARAMS, METHODS, type ExplainContext, type MethodName } from '../../../src/core/explain/types';
import { argmax, assertAllClose } from '../../helpers/assert-close';
import { inSquare, referenceDetector, SIZE, squareDetector, squareImage } from '../../helpers/models';

const model = () => squareDetector();
let detector: ReturnType<typeof squareDetector>;
let x: tf.Tensor4D;
let xs: Float32Array;

function ctx(params: Partial<ExplainContext['params']> = {}): ExplainContext {
  return { model: detector, input: x, score: unitScore(0, 1), layers: ['detector'], params: { ...DEFAULT_PARAMS, batchSize: 7, ...params } };
}

test.before(async () => {
  await initEngine({ backend: 'cpu' });
  detector = model();
  x = squareImage();
  xs = x.dataSync() as Float32Array;
});

test('the model splits at a layer and reads logits before the softmax', () => {
  const ref = referenceDetector(xs);
  const { outputs } = detector.forward(x);
  assertAllClose(outputs[0].dataSync(), ref.logits, 1e-5, 'logits');
  tf.dispose(outputs);
});

for (const method of METHODS) {
  test(`${method}: the map of the hand-set square detector peaks on the bright square, and no tensor leaks`, async () => {
    const before = tf.memory().numTensors;
    const r = await METHOD_TABLE[method](ctx({ samples: 8, steps: 16, window: 4, stride: 2 }));
    assert.equal(tf.memory().numTensors, before, `${method} leaked tensors`);
    const map = r.pixelMap ?? r.grid;
    const peak = argmax(map.values);
    assert.ok(inSquare(peak, map.width, map.height), `${method}: peak at ${peak} (${map.width}×${map.height}) is off the square`);
  });
}

test('Ablation-CAM weights equal (y − y_c)/y from an independent forward pass', async () => {
  const y = referenceDetector(xs).logits[1];
  const expected = [0, 1].map((c) => (y - referenceDetector(xs, c).logits[1]) / y);
  const r = await METHOD_TABLE.ablationcam(ctx());
  const { act } = referenceDetector(xs);
  const map = Array.from({ length: SIZE * SIZE }, (_, p) => Math.max(0, expected[0] * act[p * 2] + expected[1] * act[p * 2 + 1]));
  assertAllClose(r.grid.values, map, 1e-5, 'ablation map');
});

test('Score-CAM weights equal softmax of the masked scores, computed by hand', async () => {
  const { act } = referenceDetector(xs);
  const scores = [0, 1].map((c) => {
    const ch = Array.from({ length: SIZE * SIZE }, (_, p) => act[p * 2 + c]);
    const lo = Math.min(...ch);
    const hi = Math.max(...ch);
    const masked = xs.map((v, p) => v * (hi > lo ? (ch[p] - lo) / (hi - lo) : 0));
    return referenceDetector(masked).logits[1];
  });
  const z = Math.exp(scores[0]) + Math.exp(scores[1]);
  const w = scores.map((s) => Math.exp(s) / z);
  const map = Array.from({ length: SIZE * SIZE }, (_, p) => Math.max(0, w[0] * act[p * 2] + w[1] * act[p * 2 + 1]));
  const r = await METHOD_TABLE.scorecam(ctx());
  assertAllClose(r.grid.values, map, 1e-5, 'score-cam map');
});

test('Occlusion grid: one value per window position, score(x) − score(occluded), by hand', async () => {
  const r = await METHOD_TABLE.occlusion(ctx({ window: 4, stride: 4 }));
  assert.equal(r.grid.width, 4);
  assert.equal(r.grid.height, 4);
  const full = referenceDetector(xs).logits[1];
  const expected: number[] = [];
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      const occ = xs.slice();
      for (let rr = i * 4; rr < i * 4 + 4; rr++) for (let cc = j * 4; cc < j * 4 + 4; cc++) occ[rr * SIZE + cc] = 0;
      expected.push(full - referenceDetector(occ).logits[1]);
    }
  assertAllClose(r.grid.values, expected, 1e-5, 'occlusion grid');
  // With stride = window every pixel is covered by exactly one window.
  assert.equal(r.pixelMap!.values[11 * SIZE + 3], r.grid.values[2 * 4 + 0]);
});

test('Occlusion window count: ⌊(side − w)/s⌋ + 1 per axis, defaults round(side/7) and round(w/2)', async () => {
  const r = await METHOD_TABLE.occlusion(ctx({ window: undefined, stride: undefined }));
  // side 16 → w = 2, s = 1 → 15 positions per axis
  assert.equal(r.grid.width, 15);
  assert.equal(r.details!.window, 2);
  assert.equal(r.details!.stride, 1);
});

test('Integrated Gradients: completeness gap shrinks with steps and is reported', async () => {
  const coarse = await METHOD_TABLE.ig(ctx({ steps: 4 }));
  const fine = await METHOD_TABLE.ig(ctx({ steps: 256, batchSize: 64 }));
  const total = fine.details!.scoreInput - fine.details!.scoreBaseline;
  assertAllClose([fine.details!.scoreInput], [referenceDetector(xs).logits[1]], 1e-5, 'f(x)');
  assert.ok(fine.details!.completenessGap < 0.01 * Math.abs(total), `gap ${fine.details!.completenessGap} vs ${total}`);
  assert.ok(fine.details!.completenessGap < coarse.details!.completenessGap);
  const sum = fine.grid.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - total) <= fine.details!.completenessGap + 1e-6);
});

test('SmoothGrad with zero noise equals saliency', async () => {
  const s = await METHOD_TABLE.saliency(ctx());
  const sg = await METHOD_TABLE.smoothgrad(ctx({ noise: 0, samples: 3 }));
  assertAllClose(sg.grid.values, s.grid.values, 1e-6, 'smoothgrad');
});

test('gradient × input is x ⊙ ∂score/∂x', async () => {
  const g = inputGradient(detector, x, unitScore(0, 1));
  const expected = Array.from(g.dataSync(), (v, i) => v * xs[i]);
  g.dispose();
  const r = await METHOD_TABLE.gradxinput(ctx());
  assertAllClose(r.grid.values, expected, 1e-7, 'gradxinput');
  assert.equal(r.signed, true);
});

test('guided backpropagation drops negative gradients: zero on the dark ground, where plain gradients are not', () => {
  const score = unitScore(0, 1);
  const plain = inputGradient(detector, x, score);
  const guided = guidedBackprop(detector, x, score);
  const corner = 0; // pixel (0, 0), far from the square: only the dark channel (negative weight) sees it
  assert.notEqual(plain.dataSync()[corner], 0);
  assert.equal(guided.dataSync()[corner], 0);
  // and the override is undone: plain gradients are unchanged afterwards
  const again = inputGradient(detector, x, score);
  assertAllClose(again.dataSync(), plain.dataSync(), 0, 'gradient after guided');
  tf.dispose([plain, guided, again]);
});

test('an aborted signal stops a batched method with an AbortError', async () => {
  const controller = new AbortController();
  const c = { ...ctx({ window: 2, stride: 1, batchSize: 4 }), signal: controller.signal, onProgress: () => controller.abort() };
  const before = tf.memory().numTensors;
  await assert.rejects(METHOD_TABLE.occlusion(c), { name: 'AbortError' });
  assert.equal(tf.memory().numTensors, before);
});

test('every method name is in the table', () => {
  for (const m of METHODS) assert.equal(typeof METHOD_TABLE[m as MethodName], 'function');
});
