/**
 * Knowledge points over a run's checkpoints (DISTILLATION.md): the learning speed D — the distance the
 * weights travel, Σ_k ‖w_k − w_{k−1}‖ / ‖w_0‖, up to the checkpoint where an image's N_fg peaks — as its
 * mean and spread over images (D_mean, D_std), and the stability ρ — the points found at the end over the
 * union of the points found at every checkpoint, averaged over images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { MODEL_EXTENSIONS } from '../model/specs';
import type { KnowledgeResult } from './knowledge';

const byNumber = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** The checkpoints a `--checkpoints DIR|GLOB` names, in epoch order (names compared with their numbers as numbers); the first is epoch 0. */
export function checkpointFiles(arg: string): string[] {
  const isModel = (f: string) => MODEL_EXTENSIONS.some((e) => f.toLowerCase().endsWith(`.${e}`));
  let files: string[];
  const stat = fs.statSync(arg, { throwIfNoEntry: false });
  if (stat?.isDirectory()) {
    files = fs
      .readdirSync(arg, { withFileTypes: true })
      .flatMap((e) =>
        e.isFile() && isModel(e.name)
          ? [path.join(arg, e.name)]
          : e.isDirectory() && fs.existsSync(path.join(arg, e.name, 'model.json'))
            ? [path.join(arg, e.name, 'model.json')]
            : [],
      );
  } else {
    const dir = path.dirname(arg);
    const pattern = new RegExp(
      `^${path
        .basename(arg)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    files = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
  }
  files.sort(byNumber);
  if (files.length < 2) throw new InputError(`--checkpoints ${arg}: needs two or more model files, the first an epoch-0 checkpoint (found ${files.length})`);
  return files;
}

export interface CheckpointPoints {
  path: string;
  /** Per image, in the same order at every checkpoint. */
  points: { name: string; result: KnowledgeResult }[];
  weights: Float32Array;
}

const norm = (a: Float32Array, b?: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - (b ? b[i] : 0);
    s += d * d;
  }
  return Math.sqrt(s);
};

export function learningMetrics(checkpoints: CheckpointPoints[]): { dMean: number; dStd: number; rho: number } {
  const w0 = checkpoints[0].weights;
  for (const c of checkpoints)
    if (c.weights.length !== w0.length)
      throw new InputError(`${c.path}: its weights (${c.weights.length}) differ from the first checkpoint's (${w0.length}); checkpoints must be one network`);
  const base = norm(w0) || 1;
  // Distance travelled up to each checkpoint.
  const travelled = [0];
  for (let k = 1; k < checkpoints.length; k++) travelled.push(travelled[k - 1] + norm(checkpoints[k].weights, checkpoints[k - 1].weights) / base);
  const images = checkpoints[0].points.length;
  const d: number[] = [];
  const rho: number[] = [];
  for (let i = 0; i < images; i++) {
    const counts = checkpoints.map((c) => c.points[i].result.nFg);
    d.push(travelled[counts.indexOf(Math.max(...counts))]);
    const key = ([r, c]: [number, number]) => r * 1000 + c;
    const union = new Set(checkpoints.flatMap((c) => c.points[i].result.points.map(key)));
    const last = checkpoints.at(-1)!.points[i].result.points.length;
    rho.push(union.size ? last / union.size : 1);
  }
  const dMean = d.reduce((a, b) => a + b, 0) / d.length;
  const dStd = Math.sqrt(d.reduce((a, b) => a + (b - dMean) ** 2, 0) / d.length);
  return { dMean, dStd, rho: rho.reduce((a, b) => a + b, 0) / rho.length };
}
