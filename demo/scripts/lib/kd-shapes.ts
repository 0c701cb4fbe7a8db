// The shapes of demo/train_kd.py's data set, in TypeScript: one object (circle, square, triangle, cross)
// at a random place and size on a striped, noisy background of a random colour, 32×32 — the distribution of
// make_shapes() there (not its samples: another random generator), so the ONNX models that script trained
// (demo/runs/) apply. RGB in 0..255, row-major. Used by npm run eval:distill.
import { mulberry32 } from '../../../src/core/explain/random';

export const KD_SIZE = 32;
export const KD_CLASSES = ['circle', 'square', 'triangle', 'cross'] as const;

export interface KdSample {
  pixels: Float32Array;
  label: number;
}

export function makeKdShapes(count: number, seed: number): KdSample[] {
  const rand = mulberry32(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const out: KdSample[] = [];
  for (let n = 0; n < count; n++) {
    const label = Math.floor(rand() * KD_CLASSES.length);
    const bg = [uniform(0.2, 0.8), uniform(0.2, 0.8), uniform(0.2, 0.8)];
    const angle = uniform(0, Math.PI);
    const r = uniform(5, 9);
    const cx = uniform(r + 1, KD_SIZE - r - 1);
    const cy = uniform(r + 1, KD_SIZE - r - 1);
    const colour = rand() < 0.5 ? bg.map((b) => 1 - b) : [rand(), rand(), rand()];
    const pixels = new Float32Array(KD_SIZE * KD_SIZE * 3);
    for (let y = 0; y < KD_SIZE; y++)
      for (let x = 0; x < KD_SIZE; x++) {
        const stripes = 0.08 * Math.sin((x * Math.cos(angle) + y * Math.sin(angle)) * 0.8);
        const dx = x - cx;
        const dy = y - cy;
        const inside =
          label === 0
            ? dx * dx + dy * dy <= r * r
            : label === 1
              ? Math.abs(dx) <= r * 0.8 && Math.abs(dy) <= r * 0.8
              : label === 2
                ? dy <= r * 0.7 && dy >= -r && Math.abs(dx) <= (dy + r) * 0.6
                : (Math.abs(dx) <= r * 0.3 || Math.abs(dy) <= r * 0.3) && Math.abs(dx) <= r && Math.abs(dy) <= r;
        for (let c = 0; c < 3; c++) {
          const v = inside ? colour[c] : bg[c] + stripes + 0.04 * normal();
          pixels[(y * KD_SIZE + x) * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    out.push({ pixels, label });
  }
  return out;
}
