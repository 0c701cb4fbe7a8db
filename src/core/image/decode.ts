import * as fs from 'node:fs';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import exifr from 'exifr';
import { InputError } from '../errors';

/** A decoded image: RGB, row-major, values 0..255 (16-bit PNGs keep their precision as fractions). */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Images above this many pixels are refused before decoding (a 100-megapixel photo needs 1.2 GB as floats). */
export const MAX_PIXELS = 100_000_000;

function isPng(b: Buffer): boolean {
  return b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a;
}
function isJpeg(b: Buffer): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

function checkSize(file: string, width: number, height: number): void {
  if (width === 0 || height === 0) throw new InputError(`${file}: zero-size image (${width}×${height})`);
  if (width * height > MAX_PIXELS) {
    throw new InputError(`${file}: image too large (${width}×${height}; at most ${MAX_PIXELS / 1e6} megapixels)`);
  }
}

function decodePng(file: string, buf: Buffer): RgbImage {
  // Read the header ourselves so that a zero-size or huge image is refused before pngjs allocates.
  if (buf.length >= 24) checkSize(file, buf.readUInt32BE(16), buf.readUInt32BE(20));
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(buf, { skipRescale: true });
  } catch (err) {
    throw new InputError(`${file}: truncated or corrupt PNG (${(err as Error).message})`);
  }
  const { width, height } = png;
  checkSize(file, width, height);
  const src = png.data as unknown as ArrayLike<number>;
  const scale = png.depth === 16 ? 255 / 65535 : 1;
  const data = new Float32Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = src[i] * scale;
    data[j + 1] = src[i + 1] * scale;
    data[j + 2] = src[i + 2] * scale;
  }
  return { width, height, data };
}

/** A complete JPEG ends with EOI after its last scan; FF D9 cannot occur inside entropy-coded data. */
function jpegIsComplete(buf: Buffer): boolean {
  const lastScan = buf.lastIndexOf(Buffer.from([0xff, 0xda]));
  const eoi = buf.lastIndexOf(Buffer.from([0xff, 0xd9]));
  return lastScan > 0 && eoi > lastScan;
}

async function decodeJpeg(file: string, buf: Buffer): Promise<RgbImage> {
  if (!jpegIsComplete(buf)) throw new InputError(`${file}: truncated or corrupt JPEG (no end-of-image marker after the last scan)`);
  let raw: { width: number; height: number; data: Uint8Array };
  try {
    raw = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 2048 });
  } catch (err) {
    const msg = (err as Error).message;
    if (/maxResolutionInMP|maxMemoryUsage/.test(msg)) throw new InputError(`${file}: image too large (${msg})`);
    throw new InputError(`${file}: truncated or corrupt JPEG (${msg})`);
  }
  checkSize(file, raw.width, raw.height);
  const data = Float32Array.from(raw.data);
  let orientation = 1;
  try {
    orientation = (await exifr.orientation(buf)) ?? 1;
  } catch {
    // EXIF that cannot be parsed is ignored, as viewers do
  }
  return applyOrientation({ width: raw.width, height: raw.height, data }, orientation);
}

/**
 * Applies an EXIF orientation (1..8) so that the pixels are as a viewer shows them.
 * Each orientation maps a displayed pixel (x, y) to a stored pixel.
 */
export function applyOrientation(img: RgbImage, orientation: number): RgbImage {
  if (orientation < 2 || orientation > 8) return img;
  const { width: w, height: h } = img;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const s = (sy * w + sx) * 3;
      const d = (y * W + x) * 3;
      out[d] = img.data[s];
      out[d + 1] = img.data[s + 1];
      out[d + 2] = img.data[s + 2];
    }
  }
  return { width: W, height: H, data: out };
}

export async function decodeImageBuffer(file: string, buf: Buffer): Promise<RgbImage> {
  if (buf.length === 0) throw new InputError(`${file}: empty file, not an image`);
  if (isPng(buf)) return decodePng(file, buf);
  if (isJpeg(buf)) return decodeJpeg(file, buf);
  throw new InputError(`${file}: not a PNG or JPEG image`);
}

export async function readImage(file: string): Promise<RgbImage> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not an image' : `cannot be read (${code})`}`);
  }
  return decodeImageBuffer(file, buf);
}
