/**
 * Grids in one place: maps as Grid records, the window positions of every occlusion method and their
 * masks, and maps brought to the model input's resolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import type { Attribution, Grid } from './types';

/** A [1, H, W] (or [H, W] with a leading 1) map tensor as a Grid, row-major. */
export function gridOf(map: tf.Tensor): Grid {
  const [, height, width] = map.shape;
  return { width, height, values: map.dataSync() as Float32Array };
}

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

/** Pair methods (EXPLAIN.md): window 64 px and stride 8 px at 224 px, scaled with the input's shorter side. */
export function pairWindowGrid(height: number, width: number, window?: number, stride?: number): WindowGrid {
  const side = Math.min(height, width);
  return windowGrid(height, width, window ?? Math.max(1, Math.round((64 * side) / 224)), stride ?? Math.max(1, Math.round((8 * side) / 224)));
}

/** Mask of window k (row-major over positions): 1 inside, 0 outside, H×W. */
export function fillWindowMask(mask: Float32Array, offset: number, width: number, g: WindowGrid, k: number): void {
  const top = Math.floor(k / g.cols) * g.stride;
  const left = (k % g.cols) * g.stride;
  for (let y = top; y < top + g.window; y++) mask.fill(1, offset + y * width + left, offset + y * width + left + g.window);
}

/** Masks of windows start … start + count − 1, [count, H, W, 1]: 1 inside each window, 0 elsewhere. */
export function windowMasks(g: WindowGrid, height: number, width: number, start: number, count: number): tf.Tensor4D {
  const masks = new Float32Array(count * height * width);
  for (let i = 0; i < count; i++) fillWindowMask(masks, i * height * width, width, g, start + i);
  return tf.tensor4d(masks, [count, height, width, 1]);
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

/** The map at the model input's resolution (bilinear, half-pixel centres when the grid is smaller). */
export function mapAtInput(a: Attribution, height: number, width: number): Float32Array {
  const g = a.pixelMap ?? a.grid;
  if (g.height === height && g.width === width) return g.values;
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(g.values, [1, g.height, g.width, 1]), [height, width], false, true).dataSync() as Float32Array);
}
