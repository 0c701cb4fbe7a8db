import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { colorbar, exportLongSide } from '../../../src/core/image/export';
import { colormapLut } from '../../../src/core/image/colormap';

test("the export's long side: the image's, at least 512 and at most the cap; or the size asked for", () => {
  assert.equal(exportLongSide(64, 2048), 512);
  assert.equal(exportLongSide(1000, 2048), 1000);
  assert.equal(exportLongSide(4000, 2048), 2048);
  assert.equal(exportLongSide(64, 64), 64, 'a cap below 512 wins');
  assert.equal(exportLongSide(64, 300), 300);
  assert.equal(exportLongSide(64, 2048, 777), 777);
});

test("the colour bar runs from the colormap's low end to its high end, framed, with ticks (and a middle one for signed maps)", () => {
  const bar = colorbar(100, 'gray', false);
  // 100 wide: gap 4, bar 10, ticks 3, gap 4.
  assert.deepEqual([bar.width, bar.height], [100, 21]);
  const px = (x: number, y: number) => Array.from(bar.data.subarray((y * 100 + x) * 4, (y * 100 + x) * 4 + 3));
  const lut = colormapLut('gray');
  // x from 4 to 95 spans the table: x = 5 is entry round(255/91) = 3, x = 94 entry round(90·255/91) = 252.
  const entry = (k: number) => [lut[k * 3], lut[k * 3 + 1], lut[k * 3 + 2]];
  assert.deepEqual(px(5, 8), entry(3));
  assert.deepEqual(px(94, 8), entry(252));
  assert.deepEqual(px(4, 8), [96, 96, 96], 'the frame');
  assert.deepEqual(px(50, 15), [255, 255, 255], 'no middle tick on an unsigned bar');
  assert.deepEqual(colorbar(100, 'gray', true).data.subarray((15 * 100 + 50) * 4, (15 * 100 + 50) * 4 + 3), Uint8ClampedArray.from([96, 96, 96]));
});
