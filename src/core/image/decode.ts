import type sharpFn from 'sharp';
import type { Sharp, SharpOptions } from 'sharp';
import { InputError } from '../errors';
import { readRegularFileAsync } from '../io/files';
import { limits } from '../limits';

/** A decoded image: RGB, row-major, values 0..255 (16-bit PNGs keep their precision as fractions). */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Image files above this size are refused before they are read. */
export const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

export interface DecodeOptions {
  /** Refuse images whose header declares more pixels (default limits().maxPixels; --max-pixels). */
  maxPixels?: number;
  /**
   * The model's input (height, width; null where free). An image at least twice as large on both
   * axes is shrunk while decoding so that its long side is at most `outSize` but never below twice
   * the input; smaller images are decoded at full size.
   */
  input?: { height: number | null; width: number | null };
  /** Long side that shrink-on-load aims at (default limits().outSize; --out-size). */
  outSize?: number;
}

type SharpLib = typeof sharpFn;
let lib: SharpLib | undefined;

/**
 * sharp (libvips). The bundles load its WebAssembly build (scripts/build.mjs), so the VSIX and the CLI
 * carry no native code; run from source (tests), npm may have installed the native build beside it.
 */
function sharpLib(): SharpLib {
  if (!lib) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require('sharp') as SharpLib;
    lib.cache(false);
    lib.concurrency(1);
  }
  return lib;
}

/** Which libvips decodes images, e.g. "libvips 8.18.7 (wasm build)" (`--verbose` prints it). */
export function imageDecoderVersion(): string {
  const v = sharpLib().versions as Record<string, string | undefined>;
  return `libvips ${v.vips} (${'emscripten' in v ? 'wasm' : 'native'} build)`;
}

function isPng(b: Buffer): boolean {
  return b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a;
}
function isJpeg(b: Buffer): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

const RAISE_PIXELS = 'raise the limit with --max-pixels or the modelLens.limits.maxPixels setting';

/** Our one sentence for libvips' messages (the original goes to --verbose through `cause`). */
function decodeError(file: string, kind: 'PNG' | 'JPEG', err: unknown, maxPixels: number): InputError {
  const msg = (err as Error).message ?? String(err);
  let problem: string;
  if (/pixel limit/i.test(msg)) problem = `image too large (more than ${maxPixels / 1e6} megapixels; ${RAISE_PIXELS})`;
  else if (/premature end|truncated|not enough data|read error|end of (file|stream)|unexpected end|out of data/i.test(msg))
    problem = `truncated or corrupt ${kind} (the pixel data ends early)`;
  else if (/crc|checksum/i.test(msg)) problem = `truncated or corrupt ${kind} (a chunk's checksum does not match)`;
  else problem = `truncated or corrupt ${kind} (the decoder could not read it)`;
  const e = new InputError(`${file}: ${problem}`);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}

/** The model input that decoding aims at, from a model's input shape [batch, height, width, channels]. */
export function inputFit(shape: readonly (number | null)[]): DecodeOptions['input'] {
  return shape.length === 4 ? { height: shape[1], width: shape[2] } : undefined;
}

function checkSize(file: string, width: number, height: number, maxPixels: number): void {
  if (width === 0 || height === 0) throw new InputError(`${file}: zero-size image (${width}×${height})`);
  if (width * height > maxPixels) throw new InputError(`${file}: image too large (${width}×${height}; at most ${maxPixels / 1e6} megapixels; ${RAISE_PIXELS})`);
}

/** The size an image is decoded at: full size, or shrunk on load when it is much larger than the model needs. */
export function decodeSize(width: number, height: number, opts: DecodeOptions): { width: number; height: number } {
  const inH = opts.input?.height ?? null;
  const inW = opts.input?.width ?? null;
  if (inH === null || inW === null) return { width, height };
  if (width < 2 * inW || height < 2 * inH) return { width, height };
  const outSize = opts.outSize ?? limits().outSize;
  // The largest of: the long side asked for, and what keeps both axes at least twice the input.
  const s = Math.max(outSize / Math.max(width, height), (2 * inW) / width, (2 * inH) / height);
  if (s >= 1) return { width, height };
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

export async function decodeImageBuffer(file: string, buf: Buffer, opts: DecodeOptions = {}): Promise<RgbImage> {
  if (buf.length === 0) throw new InputError(`${file}: empty file, not an image`);
  const kind = isPng(buf) ? 'PNG' : isJpeg(buf) ? 'JPEG' : undefined;
  if (!kind) throw new InputError(`${file}: not a PNG or JPEG image`);
  const maxPixels = opts.maxPixels ?? limits().maxPixels;
  // A PNG's size is in its header: refuse a zero or huge one before any decoder sees it.
  if (kind === 'PNG' && buf.length >= 24) checkSize(file, buf.readUInt32BE(16), buf.readUInt32BE(20), maxPixels);
  const sharp = sharpLib();
  // failOn 'warning': a PNG whose rows are missing or a JPEG cut short is an error, not zero-filled.
  const base: SharpOptions = { limitInputPixels: false, failOn: 'warning', sequentialRead: true };
  let meta;
  try {
    meta = await sharp(buf, base).metadata();
  } catch (err) {
    throw decodeError(file, kind, err, maxPixels);
  }
  const storedW = meta.width ?? 0;
  const storedH = meta.height ?? 0;
  checkSize(file, storedW, storedH, maxPixels);
  // EXIF orientations 5–8 swap the axes: the image as a viewer shows it.
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? storedH : storedW;
  const height = swap ? storedW : storedH;
  const size = decodeSize(width, height, opts);
  const sixteen = meta.depth === 'ushort';
  let pipeline: Sharp = sharp(buf, { ...base, limitInputPixels: maxPixels }).autoOrient();
  if (size.width !== width || size.height !== height) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
  pipeline = pipeline.removeAlpha().toColourspace(sixteen ? 'rgb16' : 'srgb');
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    out = await pipeline.raw(sixteen ? { depth: 'ushort' } : undefined).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw decodeError(file, kind, err, maxPixels);
  }
  const { info } = out;
  if (info.channels !== 3) throw new InputError(`${file}: decoded to ${info.channels} channels, not RGB`);
  const n = info.width * info.height * 3;
  const data = new Float32Array(n);
  if (sixteen) {
    const src = new Uint16Array(out.data.buffer, out.data.byteOffset, n);
    const scale = 255 / 65535;
    for (let i = 0; i < n; i++) data[i] = src[i] * scale;
  } else {
    const src = out.data;
    for (let i = 0; i < n; i++) data[i] = src[i];
  }
  return { width: info.width, height: info.height, data };
}

/** Reads and decodes a PNG or JPEG (regular files only, at most MAX_IMAGE_BYTES). */
export async function readImage(file: string, opts: DecodeOptions = {}): Promise<RgbImage> {
  const buf = await readRegularFileAsync(file, { what: 'image', maxBytes: MAX_IMAGE_BYTES });
  return decodeImageBuffer(file, buf, opts);
}
