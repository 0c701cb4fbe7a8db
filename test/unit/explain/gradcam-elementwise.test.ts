import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import type { CamInputs, CamMethod } from '../../../src/core/explain/cam/cam-method';
import { gradCamElementwise } from '../../../src/core/explain/cam/gradcam-elementwise';
import { hiResCam } from '../../../src/core/explain/cam/hires-cam';
import { METHOD_TABLE } from '../../../src/core/explain/registry';
import { methodSpec } from '../../../src/core/explain/specs';
import type { ExplainContext } from '../../../src/core/explain/types';
import { assertAllClose } from '../../helpers/assert-close';

test.before(async () => {
  await initEngine({ backend: 'cpu' });
});

// A 2×2 layer of 2 channels (row-major pixels):
//   A₁ = [1, 2, 3, 4]     G₁ = [1, −1, 0.5, 0]    G₁⊙A₁ = [1, −2, 1.5, 0]
//   A₂ = [2, 0, 1, 1]     G₂ = [−1, 2, 2, −3]     G₂⊙A₂ = [−2, 0, 2, −3]
// Element-wise Grad-CAM, Σ_c ReLU(G_c⊙A_c): [1 + 0, 0 + 0, 1.5 + 2, 0 + 0] = [1, 0, 3.5, 0].
// HiResCAM, ReLU(Σ_c G_c⊙A_c): ReLU([−1, −2, 3.5, −3]) = [0, 0, 3.5, 0] — pixel 0 differs: there
// channel 2's negative evidence cancels channel 1's positive evidence only when summed first.
const hwc = (c1: number[], c2: number[]) =>
  tf.tensor3d(
    c1.flatMap((v, i) => [v, c2[i]]),
    [2, 2, 2],
  );
/** The map of a map-kind CAM (both here are). */
const mapOf = (m: CamMethod, i: CamInputs) => {
  assert.equal(m.kind, 'map');
  return (m as Extract<CamMethod, { kind: 'map' }>).map(i);
};
const inputs = (): CamInputs => ({
  activation: hwc([1, 2, 3, 4], [2, 0, 1, 1]),
  gradient: hwc([1, -1, 0.5, 0], [-1, 2, 2, -3]),
  layer: 'l',
  ctx: {} as ExplainContext,
});

test('element-wise Grad-CAM: Σ_c ReLU(G_c ⊙ A_c), by hand; it keeps evidence HiResCAM cancels', async () => {
  const before = tf.memory().numTensors;
  const i = inputs();
  const map = await mapOf(gradCamElementwise, i);
  assert.deepEqual(map.shape, [2, 2]);
  assertAllClose(map.dataSync(), [1, 0, 3.5, 0], 1e-6, 'element-wise');
  const hiresRaw = await mapOf(hiResCam, i);
  const hires = tf.relu(hiresRaw);
  assertAllClose(hires.dataSync(), [0, 0, 3.5, 0], 1e-6, 'HiResCAM');
  tf.dispose([map, hiresRaw, hires, i.activation, i.gradient!]);
  assert.equal(tf.memory().numTensors, before);
});

test("element-wise Grad-CAM is registered under its spec's name: a gradient CAM, unsigned", () => {
  assert.equal(typeof METHOD_TABLE['gradcam-elementwise'], 'function');
  const spec = methodSpec('gradcam-elementwise');
  assert.deepEqual([spec.family, spec.gradients, spec.signed, spec.batched], ['cam', true, false, false]);
});
