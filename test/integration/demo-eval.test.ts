import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initEngine } from '../../src/core/engine/backend';
import { evaluateDemo } from '../../demo/scripts/lib/evaluate';
import { demoEncoder } from '../../demo/scripts/lib/demo-files';
import { buildEncoder } from '../../demo/scripts/lib/encoder';
import { boxAreaShare, EVAL_WINDOW, evaluatePairs } from '../../demo/scripts/lib/evaluate-pair';
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

test('demo encoder: Interaction-CAM, averaged transforms and conditional occlusion put far more map mass on the object than a random encoder does', async () => {
  await initEngine({ backend: 'wasm' });
  const methods = ['interaction-cam', 'averaged-transforms', 'conditional'] as const;
  const trained = await evaluatePairs(await loadModel(demoEncoder()), methods, EVAL_WINDOW, undefined, 8);
  const random = await evaluatePairs(new LayersInspectableModel('random encoder', buildEncoder(7)), methods, EVAL_WINDOW, undefined, 8);
  const area = boxAreaShare();
  for (let i = 0; i < methods.length; i++) {
    const t = trained[i].massInBox;
    const r = random[i].massInBox;
    assert.ok(t >= 1.5 * r && t >= 2 * area, `${methods[i]}: trained ${t.toFixed(3)}, random ${r.toFixed(3)}, box area ${area.toFixed(3)}`);
  }
});
