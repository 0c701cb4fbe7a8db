/**
 * One decode measurement in a fresh process (the decode benchmark runs it): decodes a photo with the
 * old decoder ("before") or libvips with shrink-on-load ("after"), makes the 224×224 model input,
 * and prints the time and the resident memory it took beyond what the process held before.
 */
import * as fs from 'node:fs';
import { initEngine } from '../src/core/engine/backend';
import { inputFit, readImage } from '../src/core/image/decode';
import { DEFAULT_PREPROCESS, toModelInput } from '../src/core/image/preprocess';
import { decodeBefore } from './lib/decode-before';

async function main(): Promise<void> {
  const [file, how] = process.argv.slice(2);
  await initEngine({ backend: 'wasm' });
  const shape = [null, 224, 224, 3];
  // Warm both paths' libraries on a small image first, so that only the photo's own cost is measured.
  const warm = process.argv[4];
  if (how === 'after') await readImage(warm, { input: inputFit(shape) });
  else await decodeBefore(fs.readFileSync(warm));
  const base = process.memoryUsage().rss;
  const started = performance.now();
  const image = how === 'after' ? await readImage(file, { input: inputFit(shape) }) : await decodeBefore(fs.readFileSync(file));
  const { tensor } = toModelInput(image, shape, DEFAULT_PREPROCESS, 'bench');
  tensor.dataSync();
  const ms = performance.now() - started;
  tensor.dispose();
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ ms, extraBytes: Math.max(0, peak - base), decoded: [image.width, image.height] }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
});
