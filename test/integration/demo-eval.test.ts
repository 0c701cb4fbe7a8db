import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initEngine } from '../../src/core/engine/backend';
import { evaluateDemo } from '../../demo/scripts/lib/evaluate';
import { demoEncoder } from '../../demo/scripts/lib/demo-files';
import { PAIR_METHODS } from '../../src/core/explain/pair/types';
import { buildEncoder } from '../../demo/scripts/lib/encoder';
import { boxAreaShare, evaluatePairs } from '../../demo/scripts/lib/evaluate-pair';
import { LayersInspectableModel } from '../../src/core/model/layers-model';
import { loadModel } from '../../src/core/model/load';

test('demo model: Grad-CAM pointing game ≥ 0.9 on clean images, far above the centre baseline; the watermark is found', async () => {
  await initEngine({ backend: 'wasm' });
  const e = await evaluateDemo('gradcam');
  assert.ok(e.accuracy >= 0.9, `accuracy ${e.accuracy}`);
  assert.ok(e.pointingGame >= 0.9, `pointing game ${e.pointingGame}`);
  assert.ok(e.pointingGame > e.centreBaseline + 0.3, `centre baseline ${e.centreBaseline}`);
  assert.ok(e.onWatermark >= 0.5, `maps on the watermark ${e.onWatermark}`);
});

test('demo encoder: every pair method puts far more map mass on the object than a random encoder does, and twice the box share of the image', async () => {
  await initEngine({ backend: 'wasm' });
  const methods = PAIR_METHODS;
  const trained = await evaluatePairs(await loadModel(demoEncoder()), methods, {}, undefined, 8);
  const random = await evaluatePairs(new LayersInspectableModel('random encoder', buildEncoder(7)), methods, {}, undefined, 8);
  const area = boxAreaShare();
  for (let i = 0; i < methods.length; i++) {
    const t = trained[i].massInBox;
    const r = random[i].massInBox;
    // Pairwise occlusion credits each trial's drop to one whole erasure, so its maps stay broader.
    const factor = methods[i] === 'pairwise' ? 1.3 : 1.5;
    assert.ok(t >= factor * r && t >= 2 * area, `${methods[i]}: trained ${t.toFixed(3)}, random ${r.toFixed(3)}, box area ${area.toFixed(3)}`);
  }
});
