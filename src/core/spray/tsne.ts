// t-SNE (van der Maaten and Hinton 2008) through Karpathy's tsnejs (npm `tsne`): perplexity min(30, (n − 1)/3),
// learning rate 10, 500 steps; the starting layout, which tsnejs draws from Math.random, is replaced by one
// drawn from the seed (N(0, 10⁻⁴) per coordinate), so the embedding is the same for the same seed.
import { tSNE } from 'tsne';
import { mulberry32 } from '../explain/random';

export const TSNE_STEPS = 500;

export function tsne2d(rows: number[][], seed: number): [number, number][] {
  const t = new tSNE({ dim: 2, epsilon: 10, perplexity: Math.max(2, Math.min(30, (rows.length - 1) / 3)) });
  t.initDataRaw(rows);
  const rand = mulberry32(seed + 1);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  t.Y = rows.map(() => [1e-4 * normal(), 1e-4 * normal()]);
  for (let i = 0; i < TSNE_STEPS; i++) t.step();
  return t.getSolution().map((p) => [p[0], p[1]]);
}
