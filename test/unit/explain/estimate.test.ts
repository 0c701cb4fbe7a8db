import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { estimatePasses, estimateSeconds } from '../../../src/core/explain/estimate';
import { initEngine } from '../../../src/core/engine/backend';
import { squareDetector } from '../../helpers/models';

test('passes a method makes, from its parameters and the input size (hand-counted), and their time', async () => {
  await initEngine({ backend: 'cpu' });
  const model = squareDetector();
  // 224×224, window 8, stride 4: ⌊(224 − 8)/4⌋ + 1 = 55 per axis, 3,025 windows, and the unoccluded pass.
  assert.deepEqual(estimatePasses(model, 'occlusion', { window: 8, stride: 4 }, 224, 224), {
    passes: 3026,
    backward: false,
    what: '55×55 windows (window 8, stride 4)',
  });
  // The default window: round(16/7) = 2, stride round(2/2) = 1 → 15×15.
  assert.equal(estimatePasses(model, 'occlusion', {}, 16, 16).passes, 226);
  assert.deepEqual(estimatePasses(model, 'smoothgrad', { samples: 40 }, 16, 16), { passes: 40, backward: true, what: '40 samples' });
  assert.deepEqual(estimatePasses(model, 'ig', {}, 16, 16), { passes: 50, backward: true, what: '50 steps' });
  const layer = model.layers.find((l) => l.outputShape.length === 4)!;
  const c = layer.outputShape[3]!;
  assert.deepEqual(estimatePasses(model, 'scorecam', {}, 16, 16, layer.name), { passes: c + 1, backward: false, what: `${c} channels` });
  assert.deepEqual(estimatePasses(model, 'gradcam', {}, 16, 16), { passes: 1, backward: true, what: 'one pass' });
  // 3,026 forward passes at 10 ms: 30.26 s; 50 steps with backward passes at 10 ms: 1.5 s.
  assert.equal(estimateSeconds({ passes: 3026, backward: false, what: '' }, 10), 30.26);
  assert.equal(estimateSeconds({ passes: 50, backward: true, what: '' }, 10), 1.5);
});
