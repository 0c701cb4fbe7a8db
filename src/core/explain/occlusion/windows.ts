import { InputError } from '../../errors';

/** Window positions (EXPLAIN.md, one definition for every occlusion method). */
export interface WindowGrid {
  window: number;
  stride: number;
  rows: number;
  cols: number;
}

/**
 * Window w (default round(side/7), side = the shorter input side) and stride s (default round(w/2)),
 * both at least 1; top-left corners (i·s, j·s) where the window fits: ⌊(side − w)/s⌋ + 1 per axis.
 */
export function windowGrid(height: number, width: number, window?: number, stride?: number): WindowGrid {
  const side = Math.min(height, width);
  const w = Math.max(1, Math.round(window ?? Math.round(side / 7)));
  const s = Math.max(1, Math.round(stride ?? Math.round(w / 2)));
  if (w > side) throw new InputError(`--window ${w} is larger than the model input (${height}×${width}).`);
  return { window: w, stride: s, rows: Math.floor((height - w) / s) + 1, cols: Math.floor((width - w) / s) + 1 };
}

/** Mask of window k (row-major over positions): 1 inside, 0 outside, H×W. */
export function fillWindowMask(mask: Float32Array, offset: number, width: number, g: WindowGrid, k: number): void {
  const top = Math.floor(k / g.cols) * g.stride;
  const left = (k % g.cols) * g.stride;
  for (let y = top; y < top + g.window; y++) mask.fill(1, offset + y * width + left, offset + y * width + left + g.window);
}

/** Each pixel gets the mean of the grid values of the windows covering it; pixels no window covers get 0. */
export function windowsToPixels(values: Float32Array, height: number, width: number, g: WindowGrid): Float32Array {
  const sum = new Float64Array(height * width);
  const count = new Uint32Array(height * width);
  for (let k = 0; k < values.length; k++) {
    const top = Math.floor(k / g.cols) * g.stride;
    const left = (k % g.cols) * g.stride;
    for (let y = top; y < top + g.window; y++) {
      for (let x = left; x < left + g.window; x++) {
        sum[y * width + x] += values[k];
        count[y * width + x]++;
      }
    }
  }
  return Float32Array.from(sum, (v, i) => (count[i] ? v / count[i] : 0));
}
