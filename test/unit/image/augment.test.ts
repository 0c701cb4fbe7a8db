import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { augmentBatch, augmentImage, formatAugment, parseAugment } from '../../../src/core/image/augment';
import { relativeError } from '../../helpers/assert-close';

test('--augment parses the list in order and refuses bad entries with one-line messages', () => {
  assert.deepEqual(parseAugment('crop=0.5, flip,jitter=0.4,gray,blur=1.5,solarize=0.6,rotate=15'), [
    { kind: 'crop', share: 0.5 },
    { kind: 'flip' },
    { kind: 'jitter', strength: 0.4 },
    { kind: 'gray' },
    { kind: 'blur', sigma: 1.5 },
    { kind: 'solarize', threshold: 0.6 },
    { kind: 'rotate', degrees: 15 },
  ]);
  assert.equal(formatAugment(parseAugment('crop=0.5,flip,rotate=15')), 'crop=0.5,flip,rotate=15');
  assert.throws(() => parseAugment('zoom=2'), {
    message: '--augment: unknown augmentation "zoom"; use crop=S, flip, jitter=S, gray, blur=SIGMA, solarize=T, rotate=DEG.',
  });
  assert.throws(() => parseAugment('crop'), { message: '--augment crop: crop needs the share of the area to keep (crop=<number from 0.01 to 1>).' });
  assert.throws(() => parseAugment('crop=2'), { message: '--augment crop=2: crop needs the share of the area to keep (crop=<number from 0.01 to 1>).' });
  assert.throws(() => parseAugment('flip=1'), { message: '--augment flip=1: flip takes no value.' });
  assert.throws(() => parseAugment(' , '), {
    message: '--augment is empty: give a comma-separated list of crop=S, flip, jitter=S, gray, blur=SIGMA, solarize=T, rotate=DEG.',
  });
});

const img = { width: 3, height: 2, data: Float32Array.from({ length: 18 }, (_, i) => (i * 14) % 256) };

test('flip, gray and solarize give the values computed by hand', async () => {
  await initEngine({ backend: 'cpu' });
  const flipped = augmentImage(img, parseAugment('flip'), 0);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(flipped.data[(y * 3 + x) * 3 + c] - img.data[(y * 3 + 2 - x) * 3 + c]) < 1e-3);
  const gray = augmentImage(img, parseAugment('gray'), 0);
  for (let p = 0; p < 6; p++) {
    const l = 0.299 * img.data[p * 3] + 0.587 * img.data[p * 3 + 1] + 0.114 * img.data[p * 3 + 2];
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(gray.data[p * 3 + c] - l) < 1e-3, `gray pixel ${p}`);
  }
  const sol = augmentImage(img, parseAugment('solarize=0.5'), 0);
  for (let i = 0; i < 18; i++) {
    const v = img.data[i] / 255;
    assert.ok(Math.abs(sol.data[i] - 255 * (v >= 0.5 ? 1 - v : v)) < 1e-3, `solarize ${i}`);
  }
});

test('the same seed gives the same view on cpu and wasm; another seed another view', async () => {
  const ops = parseAugment('crop=0.6,flip,jitter=0.5,blur=1,rotate=20');
  const views: Record<string, Float32Array> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend });
    const x = tf.tensor4d(
      Float32Array.from({ length: 2 * 16 * 16 * 3 }, (_, i) => ((i * 37) % 101) / 100),
      [2, 16, 16, 3],
    );
    const before = tf.memory().numTensors;
    const y = augmentBatch(x, ops, 7);
    views[backend] = y.dataSync() as Float32Array;
    const other = augmentBatch(x, ops, 8);
    assert.ok(relativeError(other.dataSync(), views[backend]) > 0.01, 'seed 8 differs from seed 7');
    tf.dispose([y, other]);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    x.dispose();
  }
  assert.ok(relativeError(views.wasm, views.cpu) < 1e-4, `cpu and wasm views differ by ${relativeError(views.wasm, views.cpu)}`);
});
