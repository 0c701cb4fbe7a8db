import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import exifr from 'exifr';
import type { RgbImage } from '../../src/core/image/decode';

/**
 * The decoder Model Lens used before libvips (kept only as the benchmark's baseline): pngjs or
 * jpeg-js decode the whole image into RGBA in JavaScript, then Float32 RGB at full size.
 */
export async function decodeBefore(buf: Buffer): Promise<RgbImage> {
  if (buf[0] === 0x89) {
    const png = PNG.sync.read(buf, { skipRescale: true });
    const src = png.data as unknown as ArrayLike<number>;
    const scale = png.depth === 16 ? 255 / 65535 : 1;
    const data = new Float32Array(png.width * png.height * 3);
    for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
      data[j] = src[i] * scale;
      data[j + 1] = src[i + 1] * scale;
      data[j + 2] = src[i + 2] * scale;
    }
    return { width: png.width, height: png.height, data };
  }
  const raw = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 100, maxMemoryUsageInMB: 8192 });
  await exifr.orientation(buf).catch(() => 1);
  return { width: raw.width, height: raw.height, data: Float32Array.from(raw.data) };
}
