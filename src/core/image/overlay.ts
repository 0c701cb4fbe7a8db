import { PNG } from 'pngjs';
import type { RgbImage } from './decode';
import { colormapLut, type ColormapName } from './colormap';
import { resizeMap } from './preprocess';

/** An 8-bit RGBA picture, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * Colours a display-scaled map: [0,1] for unsigned maps, [-1,1] for signed ones (then t = (v+1)/2,
 * so 0 sits at the diverging map's centre).
 */
export function colorize(display: Float32Array, width: number, height: number, colormap: ColormapName, signed: boolean): RgbaImage {
  const lut = colormapLut(colormap);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < display.length; i++) {
    const t = signed ? (display[i] + 1) / 2 : display[i];
    const k = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
    data[i * 4] = lut[k];
    data[i * 4 + 1] = lut[k + 1];
    data[i * 4 + 2] = lut[k + 2];
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** out = (1 − α)·image + α·colour, per channel, rounded; the same formula the panel uses. */
export function blend(image: RgbImage, colors: RgbaImage, opacity: number): RgbaImage {
  const a = Math.min(1, Math.max(0, opacity));
  const data = new Uint8ClampedArray(image.width * image.height * 4);
  for (let p = 0; p < image.width * image.height; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round((1 - a) * image.data[p * 3 + c] + a * colors.data[p * 4 + c]);
    data[p * 4 + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

export function encodePng(img: RgbaImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

/**
 * An image and its display map brought down to a long side of `outSize` (bilinear, half-pixel
 * centres) when larger: overlays and exported maps of images that were not shrunk while decoding (an
 * image less than twice the model input on one axis, a panorama) stay within --out-size too.
 */
export function fitOutput(image: RgbImage, map: Float32Array, outSize: number): { image: RgbImage; map: Float32Array } {
  return Math.max(image.width, image.height) <= outSize ? { image, map } : resizeImageAndMap(image, map, outSize);
}

/** An image and its map at `long` on the long side (bilinear with half-pixel centres, up or down). */
export function resizeImageAndMap(image: RgbImage, map: Float32Array, long: number): { image: RgbImage; map: Float32Array } {
  const s = long / Math.max(image.width, image.height);
  const W = Math.max(1, Math.round(image.width * s));
  const H = Math.max(1, Math.round(image.height * s));
  if (W === image.width && H === image.height) return { image, map };
  const n = image.width * image.height;
  const data = new Float32Array(W * H * 3);
  const channel = new Float32Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) channel[i] = image.data[i * 3 + c];
    const out = resizeMap(channel, image.height, image.width, H, W);
    for (let i = 0; i < W * H; i++) data[i * 3 + c] = out[i];
  }
  return { image: { width: W, height: H, data }, map: resizeMap(map, image.height, image.width, H, W) };
}
