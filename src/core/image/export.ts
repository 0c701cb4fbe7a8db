/**
 * The exported overlay, one function for the CLI's --out and the panel's Export PNG (so that both are
 * the same picture): the image and its display map brought to the export size (bilinear, half-pixel
 * centres), coloured and blended, with an optional colour bar underneath.
 */
import { colormapLut, type ColormapName } from './colormap';
import type { RgbImage } from './decode';
import { blend, colorize, resizeImageAndMap, type RgbaImage } from './overlay';

/** An exported overlay is at least this long on its long side (small images are enlarged), unless the cap is smaller. */
export const MIN_EXPORT_SIDE = 512;

/** The long side of an export: the image's, at least MIN_EXPORT_SIDE and at most `cap` (--out-size, modelLens.limits.outSize), or `requested`. */
export function exportLongSide(imageLong: number, cap: number, requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.round(requested));
  return Math.min(cap, Math.max(imageLong, Math.min(MIN_EXPORT_SIDE, cap)));
}

/**
 * A colour bar under a picture of `width`: a gap, then the colormap from low (left) to high (right)
 * framed in gray, with a tick at each end — and at the middle (0) for signed maps.
 */
export function colorbar(width: number, colormap: ColormapName, signed: boolean): RgbaImage {
  const gap = Math.max(4, Math.round(width / 100));
  const bar = Math.max(10, Math.round(width / 32));
  const tick = Math.max(3, Math.round(bar / 3));
  const height = gap + bar + tick + gap;
  const lut = colormapLut(colormap);
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  const x0 = gap;
  const x1 = width - gap - 1;
  const set = (x: number, y: number, v: number[]) => data.set([...v, 255], (y * width + x) * 4);
  for (let x = x0; x <= x1; x++) {
    const k = Math.round(((x - x0) / Math.max(1, x1 - x0)) * 255) * 3;
    for (let y = gap; y < gap + bar; y++) set(x, y, [lut[k], lut[k + 1], lut[k + 2]]);
  }
  const gray = [96, 96, 96];
  for (let x = x0; x <= x1; x++) {
    set(x, gap, gray);
    set(x, gap + bar - 1, gray);
  }
  for (let y = gap; y < gap + bar; y++) {
    set(x0, y, gray);
    set(x1, y, gray);
  }
  for (const x of signed ? [x0, Math.round((x0 + x1) / 2), x1] : [x0, x1]) for (let y = gap + bar; y < gap + bar + tick; y++) set(x, y, gray);
  return { width, height, data };
}

export interface ExportOptions {
  colormap: ColormapName;
  opacity: number;
  signed: boolean;
  /** Long side; default exportLongSide's. */
  size?: number;
  /** The cap on the default size (limits().outSize). */
  cap: number;
  colorbar?: boolean;
}

/** The overlay to save: the image with its display map (at the image's size) at the export size, and a colour bar when asked. */
export function renderExport(image: RgbImage, map: Float32Array, opts: ExportOptions): RgbaImage {
  const long = exportLongSide(Math.max(image.width, image.height), opts.cap, opts.size);
  const sized = resizeImageAndMap(image, map, long);
  const overlay = blend(sized.image, colorize(sized.map, sized.image.width, sized.image.height, opts.colormap, opts.signed), opts.opacity);
  if (!opts.colorbar) return overlay;
  const bar = colorbar(overlay.width, opts.colormap, opts.signed);
  const data = new Uint8ClampedArray(overlay.width * (overlay.height + bar.height) * 4);
  data.set(overlay.data, 0);
  data.set(bar.data, overlay.data.length);
  return { width: overlay.width, height: overlay.height + bar.height, data };
}
