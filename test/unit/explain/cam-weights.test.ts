import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { gradCam } from '../../../src/core/explain/cam/grad-cam';
import { gradCamPlusPlus } from '../../../src/core/explain/cam/grad-cam-plus-plus';
import { xGradCam } from '../../../src/core/explain/cam/xgrad-cam';
import { hiResCam } from '../../../src/core/explain/cam/hires-cam';
import { layerCam } from '../../../src/core/explain/cam/layer-cam';
import { eigenCam } from '../../../src/core/explain/cam/eigen-cam';
import { weightedSum, type CamInputs, type CamMethod } from '../../../src/core/explain/cam/cam-method';
import type { ExplainContext } from '../../../src/core/explain/types';
import { assertAllClose } from '../../helpers/assert-close';

// A tiny layer, 2 channels of 3×3, with values chosen so every weight rule can be done by hand.
const A0 = [1, 0, 0, 0, 2, 0, 0, 0, 1]; // Σ = 4
const A1 = [1, 1, 0, 1, 0, 1, 0, 1, 0]; // Σ = 5
const G0 = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
const G1 = [-1, 0, 0, 0, 0, 0, 0, 2, 0];

function hwc(c0: number[], c1: number[]): tf.Tensor3D {
  return tf.tensor3d(
    c0.flatMap((v, i) => [v, c1[i]]),
    [3, 3, 2],
  );
}

async function run(method: CamMethod): Promise<{ weights?: number[]; map: number[] }> {
  const inputs: CamInputs = { activation: hwc(A0, A1), gradient: hwc(G0, G1), layer: 'l', ctx: {} as ExplainContext };
  if (method.kind === 'weights') {
    const w = await method.weights(inputs);
    const map = tf.relu(weightedSum(inputs.activation, w));
    return { weights: Array.from(w.dataSync()), map: Array.from(map.dataSync()) };
  }
  const raw = await method.map(inputs);
  return { map: Array.from((method.relu ? tf.relu(raw) : raw).dataSync()) };
}

test.before(async () => {
  await initEngine({ backend: 'cpu' });
});

test('Grad-CAM weights are the mean gradients: [0.5, 1/9]', async () => {
  const r = await run(gradCam);
  assertAllClose(r.weights!, [0.5, 1 / 9], 1e-6, 'weights');
  const n = 1 / 9;
  assertAllClose(r.map, [0.5 + n, n, 0, n, 1, n, 0, n, 0.5], 1e-6, 'map');
});

test('Grad-CAM++ weights by hand: [1.125, 1/6]', async () => {
  // ch0: α = 0.25 / (0.5 + 4·0.125) = 0.25 everywhere, w = 9·0.25·0.5; ch1: only G = 2 counts, α = 4 / (8 + 5·8), w = α·2.
  const r = await run(gradCamPlusPlus);
  assertAllClose(r.weights!, [1.125, 1 / 6], 1e-6, 'weights');
});

test('XGrad-CAM weights by hand: [0.5, 0.2]', async () => {
  const r = await run(xGradCam);
  assertAllClose(r.weights!, [0.5, 0.2], 1e-6, 'weights');
});

test('HiResCAM multiplies element-wise before the channel sum, then ReLU', async () => {
  const r = await run(hiResCam);
  assertAllClose(r.map, [0, 0, 0, 0, 1, 0, 0, 2, 0.5], 1e-6, 'map');
});

test('LayerCAM keeps positive gradients only', async () => {
  const r = await run(layerCam);
  assertAllClose(r.map, [0.5, 0, 0, 0, 1, 0, 0, 2, 0.5], 1e-6, 'map');
});

test('Eigen-CAM equals the projection on the closed-form principal eigenvector', async () => {
  const r = await run(eigenCam);
  // Independent reference: centre the 9×2 matrix, take the 2×2 scatter's top eigenvector in closed form.
  const m0 = A0.reduce((a, b) => a + b) / 9;
  const m1 = A1.reduce((a, b) => a + b) / 9;
  const c0 = A0.map((v) => v - m0);
  const c1 = A1.map((v) => v - m1);
  const a = c0.reduce((s, v) => s + v * v, 0);
  const d = c1.reduce((s, v) => s + v * v, 0);
  const b = c0.reduce((s, v, i) => s + v * c1[i], 0);
  const lambda = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b);
  let v = [b, lambda - a];
  const norm = Math.hypot(v[0], v[1]);
  v = [v[0] / norm, v[1] / norm];
  let proj = c0.map((x, i) => x * v[0] + c1[i] * v[1]);
  const mean = A0.map((x, i) => (x + A1[i]) / 2);
  const mm = mean.reduce((s, x) => s + x) / 9;
  const pm = proj.reduce((s, x) => s + x) / 9;
  if (proj.reduce((s, p, i) => s + (p - pm) * (mean[i] - mm), 0) < 0) proj = proj.map((p) => -p);
  assertAllClose(r.map, proj, 1e-4, 'projection');
  assert.ok(
    proj.some((p) => p < 0),
    'Eigen-CAM has no ReLU: negative projections stay',
  );
});
