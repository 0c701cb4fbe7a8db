import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Box } from '../../../src/core/metrics/pointing-game';

/** demo/ in the repository, found from the bundle (dist/demo) or the source (demo/scripts/lib). */
export function demoDir(): string {
  for (const candidate of [path.resolve(__dirname, '..', '..', 'demo'), path.resolve(__dirname, '..', '..')]) {
    if (fs.existsSync(path.join(candidate, 'images', 'boxes.json'))) return candidate;
  }
  throw new Error('demo/images/boxes.json not found: run npm run demo:train first');
}

export interface DemoImage {
  file: string;
  label: number;
  class: string;
  box: Box;
  watermark: boolean;
}

export function demoImages(): { dir: string; model: string; images: DemoImage[] } {
  const dir = demoDir();
  const images = JSON.parse(fs.readFileSync(path.join(dir, 'images', 'boxes.json'), 'utf8')) as DemoImage[];
  return { dir, model: path.join(dir, 'models', 'shapes', 'model.json'), images };
}

/** The self-supervised demo encoder (npm run demo:train-encoder). */
export function demoEncoder(): string {
  return path.join(demoDir(), 'models', 'encoder', 'model.json');
}
