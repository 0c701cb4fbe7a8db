import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { mapToImage, resizeMap, toModelInput, validatePreprocess, PREPROCESS_PRESETS } from '../../../src/core/image/preprocess';
import { colormapLut } from '../../../src/core/image/colormap';
import { percentile, scaleSigned, scaleUnsigned } from '../../../src/core/image/display';
import { blend, colorize } from '../../../src/core/image/overlay';
import { assertAllClose } from '../../helpers/assert-close';

test.before(async () => {
  await initEngine({ backend: 'cpu' });
});

/** A 2×1 image: one pixel (10, 20, 30), one (200, 100, 0). */
const tiny = { width: 2, height: 1, data: Float32Array.from([10, 20, 30, 200, 100, 0]) };

test('scaling: 0..1, -1..1, 0..255, mean/std, BGR and gray, by hand', () => {
  const run = (spec: object, shape: (number | null)[] = [null, 1, 2, 3]) => {
    const { tensor } = toModelInput(tiny, shape, validatePreprocess(spec, 'test'), 'm');
    const v = Array.from(tensor.dataSync());
    tensor.dispose();
    return v;
  };
  assertAllClose(run({ scale: '0..1' }), [10 / 255, 20 / 255, 30 / 255, 200 / 255, 100 / 255, 0], 1e-6);
  assertAllClose(
    run({ scale: '-1..1' }),
    [10, 20, 30, 200, 100, 0].map((v) => v / 127.5 - 1),
    1e-6,
  );
  assertAllClose(run({ scale: '0..255' }), [10, 20, 30, 200, 100, 0], 1e-6);
  assertAllClose(run({ scale: '0..255', mean: [10, 20, 30], std: [2, 4, 5] }), [0, 0, 0, 95, 20, -6], 1e-5);
  assertAllClose(run({ scale: '0..255', channelOrder: 'bgr' }), [30, 20, 10, 0, 100, 200], 1e-6);
  assertAllClose(run({ scale: '0..255' }, [null, 1, 2, 1]), [0.299 * 10 + 0.587 * 20 + 0.114 * 30, 0.299 * 200 + 0.587 * 100], 1e-4);
  assertAllClose(run(PREPROCESS_PRESETS.caffe), [30 - 103.939, 20 - 116.779, 10 - 123.68, 0 - 103.939, 100 - 116.779, 200 - 123.68], 1e-4);
});

test('resizing uses bilinear with half-pixel centres (2 → 4 pixels)', () => {
  const img = { width: 2, height: 1, data: Float32Array.from([0, 0, 0, 255, 255, 255]) };
  const { tensor } = toModelInput(img, [null, 1, 4, 3], validatePreprocess({ scale: '0..255' }, 't'), 'm');
  // Centres of 4 output pixels at 0.25, 0.75, 1.25, 1.75 in input pixels − 0.5 → clamp: 0, 0.25, 0.75, 1.
  assertAllClose(
    Array.from(tensor.dataSync()).filter((_, i) => i % 3 === 0),
    [0, 63.75, 191.25, 255],
    1e-4,
  );
  tensor.dispose();
});

test('centre-crop takes the largest centred region of the input aspect; letterbox pads and maps back', () => {
  const img = { width: 8, height: 4, data: new Float32Array(8 * 4 * 3).map((_, i) => Math.floor(i / 3) % 8) };
  const crop = toModelInput(img, [null, 4, 4, 3], validatePreprocess({ scale: '0..255', resize: 'center-crop' }, 't'), 'm');
  assert.deepEqual(crop.geometry.source, { x: 2, y: 0, width: 4, height: 4 });
  assertAllClose(
    Array.from(crop.tensor.dataSync())
      .slice(0, 12)
      .filter((_, i) => i % 3 === 0),
    [2, 3, 4, 5],
    1e-5,
  );
  const box = toModelInput(img, [null, 4, 4, 3], validatePreprocess({ scale: '0..255', resize: 'letterbox' }, 't'), 'm');
  assert.deepEqual(box.geometry.target, { x: 0, y: 1, width: 4, height: 2 });
  const rows = Array.from(box.tensor.dataSync()).filter((_, i) => i % 3 === 0);
  assert.deepEqual(rows.slice(0, 4), [0, 0, 0, 0], 'top padding row is black');
  // A map that is 1 inside the letterboxed content and 0 in the padding comes back as all ones.
  const map = new Float32Array(16).map((_, i) => (i >= 4 && i < 12 ? 1 : 0));
  assertAllClose(mapToImage(map, 4, 4, box.geometry), new Array(32).fill(1), 1e-5);
  // The crop's map covers its region only.
  const back = mapToImage(new Float32Array(16).fill(1), 4, 4, crop.geometry);
  assert.deepEqual(Array.from(back.slice(0, 8)), [0, 0, 1, 1, 1, 1, 0, 0]);
  tf.dispose([crop.tensor, box.tensor]);
});

test('non-image inputs and bad specs are refused with one sentence', () => {
  assert.throws(() => toModelInput(tiny, [null, 10], validatePreprocess({}, 't'), 'mlp/model.json'), {
    message: "mlp/model.json: the model's input has shape [null, 10], not an image (expected [batch, height, width, 1 or 3])",
  });
  assert.throws(() => validatePreprocess({ scale: '0..2' as never }, 'modellens.json'), {
    message: 'modellens.json: scale must be one of 0..1, -1..1, 0..255 (got "0..2")',
  });
  assert.throws(() => validatePreprocess({ std: [1, 0, 1] }, 'x'), { message: 'x: std must not contain 0' });
});

test('colormaps: jet by formula, turbo and gray end points, diverging centre is near white', () => {
  const jet = colormapLut('jet');
  assert.deepEqual(Array.from(jet.slice(0, 3)), [0, 0, 128]);
  assert.deepEqual(Array.from(jet.slice(255 * 3)), [128, 0, 0]);
  assert.deepEqual(Array.from(colormapLut('gray').slice(128 * 3, 128 * 3 + 3)), [128, 128, 128]);
  assert.deepEqual(Array.from(colormapLut('turbo').slice(0, 3)), [35, 23, 27]);
  assert.deepEqual(Array.from(colormapLut('viridis').slice(0, 3)), [0x44, 0x01, 0x54]);
  assert.deepEqual(Array.from(colormapLut('inferno').slice(255 * 3)), [0xfc, 0xff, 0xa4]);
  const mid = colorize(Float32Array.from([0]), 1, 1, 'diverging', true).data;
  assert.ok(mid[0] > 230 && mid[1] > 230 && mid[2] > 230, `centre ${mid}`);
  const neg = colorize(Float32Array.from([-1]), 1, 1, 'diverging', true).data;
  assert.ok(neg[2] > neg[0], 'negative is blue');
});

test('display scaling: min-max, percentile clipping, symmetric signed', () => {
  assertAllClose(scaleUnsigned(Float32Array.from([2, 4, 6])), [0, 0.5, 1], 1e-7);
  assert.equal(percentile(Float32Array.from([1, 2, 3, 4, 5]), 50, false), 3);
  assertAllClose([percentile(Float32Array.from([0, 10]), 99, false)], [9.9], 1e-9);
  assertAllClose(scaleSigned(Float32Array.from([-2, 1, 4]), 100), [-0.5, 0.25, 1], 1e-7);
  assertAllClose(scaleUnsigned(Float32Array.from([5, 5])), [0, 0], 0, 'a constant map is all zero, not NaN');
});

test('blend is (1 − α)·image + α·colour, rounded', () => {
  const img = { width: 1, height: 1, data: Float32Array.from([100, 0, 255]) };
  const colours = { width: 1, height: 1, data: Uint8ClampedArray.from([0, 255, 255, 255]) };
  assert.deepEqual(Array.from(blend(img, colours, 0.25).data), [75, 64, 255, 255]);
});

test('resizeMap equals TF.js ResizeBilinear (half-pixel centres) on cpu, up and down, odd sizes', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2;
  for (const [h, w, H, W] of [
    [7, 7, 224, 224],
    [3, 5, 17, 9],
    [9, 13, 4, 6],
    [1, 1, 3, 2],
    [6, 4, 6, 4],
    [2, 3, 2, 11],
  ]) {
    const values = Float32Array.from({ length: h * w }, rand);
    const expected = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(values, [1, h, w, 1]), [H, W], false, true).dataSync());
    assertAllClose(resizeMap(values, h, w, H, W), expected, 1e-6, `${h}×${w} → ${H}×${W}`);
  }
  // Hand-computed: [0, 1] over 1×4 → centres at −0.25, 0.25, 0.75, 1.25 of the source → 0, 0.25, 0.75, 1.
  assert.deepEqual(Array.from(resizeMap(Float32Array.from([0, 1]), 1, 2, 1, 4)), [0, 0.25, 0.75, 1]);
});

test('fitOutput brings an image and its map down to the long side asked, bilinear; smaller ones are kept', async () => {
  const { fitOutput } = await import('../../../src/core/image/overlay');
  const img = { width: 4, height: 2, data: Float32Array.from({ length: 24 }, (_, i) => i) };
  const map = Float32Array.from({ length: 8 }, (_, i) => i);
  const r = fitOutput(img, map, 2);
  assert.deepEqual([r.image.width, r.image.height], [2, 1]);
  // Each output pixel averages a 2×2 block (half-pixel centres at 0.5): channel 0 of the first block is (0 + 3 + 12 + 15) / 4.
  assert.deepEqual(Array.from(r.image.data), [7.5, 8.5, 9.5, 13.5, 14.5, 15.5]);
  assert.deepEqual(Array.from(r.map), [(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4]);
  assert.equal(fitOutput(img, map, 4).image, img);
});
