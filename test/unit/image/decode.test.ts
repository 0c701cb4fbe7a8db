import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readImage, type RgbImage } from '../../../src/core/image/decode';

const dir = path.join(__dirname, '..', '..', 'fixtures', 'images');
const file = (name: string) => path.join(dir, name);
const QUADS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];
const GRAYS = [0, 85, 170, 255];

/** The pixel at the centre of each quadrant of a W×H image: TL, TR, BL, BR. */
function quadrants(img: RgbImage): number[][] {
  const pts = [
    [0.25, 0.25],
    [0.75, 0.25],
    [0.25, 0.75],
    [0.75, 0.75],
  ];
  return pts.map(([fx, fy]) => {
    const i = (Math.floor(fy * img.height) * img.width + Math.floor(fx * img.width)) * 3;
    return [img.data[i], img.data[i + 1], img.data[i + 2]];
  });
}

for (const name of ['rgb8.png', 'rgb16.png', 'rgba8.png', 'rgba16.png', 'palette.png', 'interlaced.png']) {
  test(`PNG ${name}: every pixel exact, alpha dropped`, async () => {
    const img = await readImage(file(name));
    assert.equal(img.width, 16);
    assert.equal(img.height, 8);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 16; x++) {
        const q = (y < 4 ? 0 : 2) + (x < 8 ? 0 : 1);
        const i = (y * 16 + x) * 3;
        assert.deepEqual([img.data[i], img.data[i + 1], img.data[i + 2]], QUADS[q], `${name} (${x}, ${y})`);
      }
  });
}

for (const name of ['gray8.png', 'gray16.png', 'graya8.png']) {
  test(`PNG ${name}: gray becomes R = G = B with the exact level`, async () => {
    const img = await readImage(file(name));
    quadrants(img).forEach((px, q) => {
      for (const v of px) assert.ok(Math.abs(v - GRAYS[q]) < 1e-3, `${name} quadrant ${q}: ${px} vs ${GRAYS[q]}`);
    });
  });
}

for (const name of ['baseline.jpg', 'progressive.jpg']) {
  test(`JPEG ${name}: colours within JPEG error`, async () => {
    const img = await readImage(file(name));
    assert.equal(img.width, 16);
    quadrants(img).forEach((px, q) => px.forEach((v, c) => assert.ok(Math.abs(v - QUADS[q][c]) <= 12, `${name} q${q}: ${px}`)));
  });
}

test('JPEG grayscale decodes to R = G = B', async () => {
  const img = await readImage(file('gray.jpg'));
  quadrants(img).forEach((px, q) => {
    assert.equal(px[0], px[1]);
    assert.equal(px[1], px[2]);
    assert.ok(Math.abs(px[0] - GRAYS[q]) <= 6, `quadrant ${q}: ${px}`);
  });
});

const nearest = (px: number[]) => QUADS.map((c, i) => [c.reduce((s, v, k) => s + Math.abs(v - px[k]), 0), i]).sort((a, b) => a[0] - b[0])[0][1];

test('EXIF orientation is applied: 3 rotates 180°, 6 rotates 90° clockwise, 8 counter-clockwise', async () => {
  const o3 = await readImage(file('orientation3.jpg'));
  assert.deepEqual([o3.width, o3.height], [16, 8]);
  assert.deepEqual(quadrants(o3).map(nearest), [3, 2, 1, 0]);
  const o6 = await readImage(file('orientation6.jpg'));
  assert.deepEqual([o6.width, o6.height], [8, 16]);
  assert.deepEqual(quadrants(o6).map(nearest), [2, 0, 3, 1]);
  const o8 = await readImage(file('orientation8.jpg'));
  assert.deepEqual([o8.width, o8.height], [8, 16]);
  assert.deepEqual(quadrants(o8).map(nearest), [1, 3, 0, 2]);
});

const bad: [string, RegExp][] = [
  ['truncated.png', /truncated\.png: truncated or corrupt PNG \(/],
  ['truncated.jpg', /truncated\.jpg: truncated or corrupt JPEG \(the pixel data ends early\)$/],
  ['zero-width.png', /zero-width\.png: zero-size image \(0×8\)$/],
  ['empty.png', /empty\.png: empty file, not an image$/],
  ['not-an-image.png', /not-an-image\.png: not a PNG or JPEG image$/],
  ['missing.png', /missing\.png: file not found$/],
];
for (const [name, message] of bad) {
  test(`bad image ${name} gets a clear error naming the file`, async () => {
    await assert.rejects(readImage(file(name)), (err: Error) => {
      assert.equal(err.name, 'InputError');
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(file(name)));
      return true;
    });
  });
}

test('a huge image is refused from its header, before decoding', async () => {
  const { decodeImageBuffer } = await import('../../../src/core/image/decode');
  const fs = await import('node:fs');
  const png = Buffer.from(fs.readFileSync(file('rgb8.png')));
  png.writeUInt32BE(20000, 16);
  png.writeUInt32BE(20000, 20);
  await assert.rejects(decodeImageBuffer('huge.png', png), {
    message: 'huge.png: image too large (20000×20000; at most 100 megapixels; raise the limit with --max-pixels or the modelLens.limits.maxPixels setting)',
  });
});
