import { mulberry32 } from '../../../src/core/explain/random';

/**
 * The synthetic "shapes" data set: one object (circle, square, triangle or cross) at a random
 * position and scale on a textured background. Objects cover at most a quarter of the image (their
 * box side is at most half the image side). The shortcut class carries a small watermark in the
 * bottom-right corner in most training images — a Clever-Hans cue that explanations should reveal.
 */
export const CLASSES = ['circle', 'square', 'triangle', 'cross'] as const;
export const IMAGE_SIZE = 64;
export const SHORTCUT_CLASS = 1; // square
export const WATERMARK = { size: 7, margin: 2 };

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Sample {
  /** RGB, 0..255, row-major. */
  pixels: Float32Array;
  label: number;
  box: Box;
  watermark: boolean;
}

type Rand = () => number;

const TRIANGLE = [0, 1, 2].map((k) => [Math.cos(-Math.PI / 2 + (2 * Math.PI * k) / 3), Math.sin(-Math.PI / 2 + (2 * Math.PI * k) / 3)]);

/** Whether (u, v) in [-1, 1]² lies in the shape; every shape fits the unit circle, so any rotation stays in its box. */
function inside(shape: number, u: number, v: number): boolean {
  switch (shape) {
    case 0:
      return u * u + v * v <= 1;
    case 1:
      return Math.abs(u) <= 0.7 && Math.abs(v) <= 0.7;
    case 2: {
      // inside the equilateral triangle inscribed in the unit circle: left of every edge
      for (let k = 0; k < 3; k++) {
        const [ax, ay] = TRIANGLE[k];
        const [bx, by] = TRIANGLE[(k + 1) % 3];
        if ((bx - ax) * (v - ay) - (by - ay) * (u - ax) < 0) return false;
      }
      return true;
    }
    default:
      return (Math.abs(u) <= 0.25 && Math.abs(v) <= 0.95) || (Math.abs(v) <= 0.25 && Math.abs(u) <= 0.95);
  }
}

function background(rand: Rand, size: number): Float32Array {
  const px = new Float32Array(size * size * 3);
  const base = [40 + rand() * 120, 40 + rand() * 120, 40 + rand() * 120];
  const stripe = [rand() * 60 - 30, rand() * 60 - 30, rand() * 60 - 30];
  const angle = rand() * Math.PI;
  const freq = 0.15 + rand() * 0.35;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = Math.sin((x * ca + y * sa) * freq);
      for (let c = 0; c < 3; c++) px[(y * size + x) * 3 + c] = base[c] + stripe[c] * s + (rand() - 0.5) * 30;
    }
  }
  return px;
}

/** Paints the watermark: a small checkerboard of white and black in the bottom-right corner. */
export function paintWatermark(px: Float32Array, size: number): void {
  const { size: w, margin } = WATERMARK;
  const x0 = size - margin - w;
  const y0 = size - margin - w;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const v = (x + y) % 2 === 0 ? 255 : 0;
      for (let c = 0; c < 3; c++) px[((y0 + y) * size + x0 + x) * 3 + c] = v;
    }
  }
}

export function watermarkBox(size = IMAGE_SIZE): Box {
  const { size: w, margin } = WATERMARK;
  return { x: size - margin - w, y: size - margin - w, width: w, height: w };
}

/**
 * One image: a rotated shape on a striped, noisy background. `backgroundRand` draws the background
 * (by default the same stream as the object): two calls with equal object streams and different
 * background streams give the same object — shape, size, place, angle — on two backgrounds.
 */
export function makeSample(rand: Rand, label: number, watermark: boolean, size = IMAGE_SIZE, backgroundRand: Rand = rand): Sample {
  const px = background(backgroundRand, size);
  const side = Math.round(size * (0.25 + rand() * 0.25)); // 16..32 px at 64: at most a quarter of the area
  // Keep the object clear of the watermark corner so that the two never overlap.
  const wm = watermarkBox(size);
  let x0 = 0;
  let y0 = 0;
  for (let tries = 0; tries < 100; tries++) {
    x0 = Math.floor(rand() * (size - side + 1));
    y0 = Math.floor(rand() * (size - side + 1));
    const clear = x0 + side <= wm.x - 2 || y0 + side <= wm.y - 2;
    if (clear) break;
  }
  const centre = (Math.floor(y0 + side / 2) * size + Math.floor(x0 + side / 2)) * 3;
  const luminance = (px[centre] + px[centre + 1] + px[centre + 2]) / 3 > 110;
  const colour = luminance ? [20 + rand() * 40, 20 + rand() * 40, 20 + rand() * 40] : [200 + rand() * 55, 200 + rand() * 55, 200 + rand() * 55];
  // A random rotation, so that no single edge (the triangle's base, say) identifies a class.
  const angle = rand() * 2 * Math.PI;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = y0; y < y0 + side; y++) {
    for (let x = x0; x < x0 + side; x++) {
      let cover = 0;
      for (const dy of [0.25, 0.75])
        for (const dx of [0.25, 0.75]) {
          const u = ((x - x0 + dx) / side) * 2 - 1;
          const v = ((y - y0 + dy) / side) * 2 - 1;
          if (inside(label, cos * u + sin * v, -sin * u + cos * v)) cover += 0.25;
        }
      if (cover === 0) continue;
      for (let c = 0; c < 3; c++) {
        const i = (y * size + x) * 3 + c;
        px[i] = px[i] * (1 - cover) + colour[c] * cover;
      }
    }
  }
  if (watermark) paintWatermark(px, size);
  for (let i = 0; i < px.length; i++) px[i] = Math.min(255, Math.max(0, px[i]));
  return { pixels: px, label, box: { x: x0, y: y0, width: side, height: side }, watermark };
}

/** Training set: balanced classes; the shortcut class is watermarked with probability `rate`, others never. */
export function makeDataset(count: number, seed: number, rate: number): Sample[] {
  const rand = mulberry32(seed);
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES.length;
    out.push(makeSample(rand, label, label === SHORTCUT_CLASS && rand() < rate));
  }
  return out;
}
