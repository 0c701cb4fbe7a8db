import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initEngine } from '../../../src/core/engine/backend';
import { batchSizeFor } from '../../../src/core/engine/memory';
import { activationBytesPerItem } from '../../../src/core/engine/memory';
import { squareDetector } from '../../helpers/models';

const MiB = 2 ** 20;

test('batches fit the wasm budget (768 MiB; 1.5 GiB hard limit even when asked for more)', async () => {
  await initEngine({ backend: 'wasm' });
  assert.equal(batchSizeFor(100 * MiB, false), 7);
  assert.equal(batchSizeFor(100 * MiB, true), 2);
  assert.equal(batchSizeFor(100 * MiB, true, 64), 5);
  assert.equal(batchSizeFor(100 * MiB, false, 3), 3);
  assert.equal(batchSizeFor(4000 * MiB, false), 1, 'never below 1');
  assert.equal(batchSizeFor(1, false), 64, 'never above 64 by default');
});

test('other backends get a 2 GiB budget and keep a requested size', async () => {
  await initEngine({ backend: 'cpu' });
  assert.equal(batchSizeFor(100 * MiB, false), 20);
  assert.equal(batchSizeFor(100 * MiB, true, 64), 64);
});

test('activation bytes per item: input plus every layer output', async () => {
  await initEngine({ backend: 'cpu' });
  // 16×16×1 input, detector 16×16×2, gap 2, classes 2
  assert.equal(activationBytesPerItem(squareDetector(), [1, 16, 16, 1]), (256 + 512 + 2 + 2) * 4);
});
