import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initEngine } from '../../src/core/engine/backend';
import { evaluateDemo } from '../../demo/scripts/lib/evaluate';

test('demo model: Grad-CAM pointing game ≥ 0.9 on clean images, far above the centre baseline; the watermark is found', async () => {
  await initEngine({ backend: 'wasm' });
  const e = await evaluateDemo('gradcam');
  assert.ok(e.accuracy >= 0.9, `accuracy ${e.accuracy}`);
  assert.ok(e.pointingGame >= 0.9, `pointing game ${e.pointingGame}`);
  assert.ok(e.pointingGame > e.centreBaseline + 0.3, `centre baseline ${e.centreBaseline}`);
  assert.ok(e.onWatermark >= 0.5, `maps on the watermark ${e.onWatermark}`);
});
