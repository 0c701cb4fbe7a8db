// The pictures `spray --out` writes: each cluster's mean map (a colormap, cells as squares) and the
// embedding as a scatter coloured by cluster. Pure pixels (pngjs through overlay.ts), no canvas.
import { colorize, type RgbaImage } from '../image/overlay';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../image/specs';
import type { Grid } from '../explain/types';
import { clusterColour } from './colours';

/** A mean map scaled by its largest |value| (diverging colours when signed, turbo otherwise), each cell `cell` pixels wide. */
export function meanMapImage(g: Grid, signed: boolean, cell = 16): RgbaImage {
  let max = 0;
  for (const v of g.values) max = Math.max(max, Math.abs(v));
  const display = g.values.map((v) => (max > 0 ? (signed ? v / max : Math.max(0, v) / max) : 0));
  const small = colorize(display, g.width, g.height, signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP, signed);
  const width = g.width * cell;
  const height = g.height * cell;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const s = (Math.floor(y / cell) * g.width + Math.floor(x / cell)) * 4;
      data.set(small.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  return { width, height, data };
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** The 2-D embedding on a light square: a dot per image in its cluster's colour, the points fitted with a margin. */
export function embeddingImage(points: { x: number; y: number; cluster: number }[], size = 512): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const margin = 24;
  const scale = (size - 2 * margin) / Math.max(x1 - x0, y1 - y0, 1e-9);
  const r = 5;
  for (const p of points) {
    const cx = margin + (p.x - x0) * scale;
    const cy = size - margin - (p.y - y0) * scale;
    const [cr, cg, cb] = rgb(clusterColour(p.cluster));
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++)
      for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
        if (x < 0 || y < 0 || x >= size || y >= size || (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        const k = (y * size + x) * 4;
        data[k] = cr;
        data[k + 1] = cg;
        data[k + 2] = cb;
      }
  }
  return { width: size, height: size, data };
}
