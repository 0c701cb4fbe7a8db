import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import type { CamInputs, CamMethod } from '../../../src/core/explain/cam/cam-method';
import { eigenCam } from '../../../src/core/explain/cam/eigen-cam';
import { eigenGradCam } from '../../../src/core/explain/cam/eigengrad-cam';
import { METHOD_TABLE } from '../../../src/core/explain/registry';
import { methodSpec } from '../../../src/core/explain/specs';
import type { ExplainContext } from '../../../src/core/explain/types';
import { assertAllClose } from '../../helpers/assert-close';

test.before(async () => {
  await initEngine({ backend: 'cpu' });
});

const mapOf = (m: CamMethod, i: CamInputs) => {
  assert.equal(m.kind, 'map');
  return (m as Extract<CamMethod, { kind: 'map' }>).map(i);
};
const hwc = (c1: number[], c2: number[]) =>
  tf.tensor3d(
    c1.flatMap((v, i) => [v, c2[i]]),
    [2, 2, 2],
  );

// A 2×2 layer of 2 channels (row-major pixels), chosen so that G ⊙ A lies on a line:
//   A₁ = [1, 1, 1, 1]          G₁ = [8.5, 9.5, 10.5, 11.5]   G₁⊙A₁ = [8.5, 9.5, 10.5, 11.5]
//   A₂ = [1, 2, 0.5, 0.25]     G₂ = [9.5, 3.25, 7, 2]        G₂⊙A₂ = [9.5, 6.5, 3.5, 0.5]
// Centred over the pixels: x = [−1.5, −0.5, 0.5, 1.5] and −3x, so the first principal direction is
// ±(1, −3)/√10 and the projection ±√10·x = ±[−4.7434, −1.5811, 1.5811, 4.7434]. The channel mean of
// G ⊙ A, [9, 8, 7, 6], falls from left to right, so the sign rule picks −√10·x:
const EXPECTED = [1.5, 0.5, -0.5, -1.5].map((v) => v * Math.sqrt(10));
// Eigen-CAM of A alone: only A₂ varies, centred [0.0625, 1.0625, −0.4375, −0.6875], and the channel
// mean of A rises with it, so the sign is kept — a different map.
const EIGEN_CAM_OF_A = [0.0625, 1.0625, -0.4375, -0.6875];

test('EigenGrad-CAM: Eigen-CAM of G ⊙ A with its sign rule, by hand; unclipped; not Eigen-CAM of A', async () => {
  const inputs: CamInputs = {
    activation: hwc([1, 1, 1, 1], [1, 2, 0.5, 0.25]),
    gradient: hwc([8.5, 9.5, 10.5, 11.5], [9.5, 3.25, 7, 2]),
    layer: 'l',
    ctx: {} as ExplainContext,
  };
  const before = tf.memory().numTensors;
  const map = await mapOf(eigenGradCam, inputs);
  assert.deepEqual(map.shape, [2, 2]);
  assertAllClose(map.dataSync(), EXPECTED, 1e-4, 'EigenGrad-CAM');
  assert.ok(Math.min(...map.dataSync()) < -4, 'negative values are kept (no ReLU)');
  const eigen = await mapOf(eigenCam, inputs);
  assertAllClose(eigen.dataSync(), EIGEN_CAM_OF_A, 1e-4, 'Eigen-CAM of A');
  tf.dispose([map, eigen]);
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  tf.dispose([inputs.activation, inputs.gradient!]);
});

test('the sign follows the channel mean of G ⊙ A: the mirrored layer gives the mirrored map', async () => {
  // Pixels in reverse order: the channel mean now rises left to right, and so does the map.
  const inputs: CamInputs = {
    activation: hwc([1, 1, 1, 1], [0.25, 0.5, 2, 1]),
    gradient: hwc([11.5, 10.5, 9.5, 8.5], [2, 7, 3.25, 9.5]),
    layer: 'l',
    ctx: {} as ExplainContext,
  };
  const map = await mapOf(eigenGradCam, inputs);
  assertAllClose(map.dataSync(), [...EXPECTED].reverse(), 1e-4, 'mirrored');
  tf.dispose([map, inputs.activation, inputs.gradient!]);
});

test("EigenGrad-CAM is registered under its spec's name: a CAM that needs gradients, unsigned", () => {
  assert.equal(typeof METHOD_TABLE.eigengradcam, 'function');
  const spec = methodSpec('eigengradcam');
  assert.deepEqual([spec.family, spec.gradients, spec.signed, spec.batched], ['cam', true, false, false]);
});
