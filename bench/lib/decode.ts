import { spawnSync } from 'node:child_process';
import type sharpFn from 'sharp';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A photo-like test image: smooth gradients, a few shapes, fine noise (so codecs work as on photos). */
function photo(width: number, height: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  let seed = 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = (seed >>> 24) % 24;
      const i = (y * width + x) * 3;
      const inDisc = (x - width * 0.6) ** 2 + (y - height * 0.4) ** 2 < (height * 0.2) ** 2;
      raw[i] = Math.min(255, ((x / width) * 200 + n) | 0);
      raw[i + 1] = Math.min(255, ((y / height) * 180 + n + (inDisc ? 60 : 0)) | 0);
      raw[i + 2] = Math.min(255, (((x + y) / (width + height)) * 150 + n) | 0);
    }
  }
  return raw;
}

/**
 * `npm run bench -- --decode [--rounds N]`: decode + preprocess to a 224×224 model input, time and
 * extra resident memory, for 1, 12 and 48-megapixel JPEG and PNG photos made here, with the old
 * JavaScript decoders (before) and libvips' WebAssembly build with shrink-on-load (after). Each
 * measurement is a fresh process; the two sides alternate within each round.
 */
export async function decodeBench(rounds: number): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sharp = require('sharp') as typeof sharpFn;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-decode-bench-'));
  const one = path.join(__dirname, 'decode-one.js');
  const warm = path.join(dir, 'warm.png');
  await sharp(photo(64, 48), { raw: { width: 64, height: 48, channels: 3 } })
    .png()
    .toFile(warm);
  const sizes: [string, number, number][] = [
    ['1 MP', 1152, 864],
    ['12 MP', 4000, 3000],
    ['48 MP', 8000, 6000],
  ];
  console.log(`decode + preprocess to 224×224, median of ${rounds} round(s) [min–max], each in a fresh process (wasm backend)`);
  console.log('photo        format   before (pngjs / jpeg-js)               after (libvips wasm, shrink-on-load)   before/after time');
  for (const [label, w, h] of sizes) {
    const raw = photo(w, h);
    for (const format of ['jpeg', 'png'] as const) {
      const file = path.join(dir, `photo-${w}x${h}.${format === 'jpeg' ? 'jpg' : 'png'}`);
      const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
      await (format === 'jpeg' ? img.jpeg({ quality: 90 }) : img.png({ compressionLevel: 6 })).toFile(file);
      const runs: Record<'before' | 'after', { ms: number; extraBytes: number }[]> = { before: [], after: [] };
      for (let r = 0; r < rounds; r++) {
        for (const how of ['before', 'after'] as const) {
          const p = spawnSync(process.execPath, ['--max-old-space-size=16384', one, file, how, warm], { encoding: 'utf8' });
          if (p.status !== 0) throw new Error(`${how} ${file}: ${p.stderr}`);
          runs[how].push(JSON.parse(p.stdout));
        }
      }
      const fmt = (xs: { ms: number; extraBytes: number }[]): string => {
        const ms = xs.map((x) => x.ms);
        const mb = xs.map((x) => x.extraBytes / 1e6);
        return `${(median(ms) / 1000).toFixed(2)} s [${(Math.min(...ms) / 1000).toFixed(2)}–${(Math.max(...ms) / 1000).toFixed(2)}], +${median(mb).toFixed(0)} MB`.padEnd(
          38,
        );
      };
      const ratio = median(runs.before.map((x) => x.ms)) / median(runs.after.map((x) => x.ms));
      console.log(`${label.padEnd(12)} ${format.padEnd(8)} ${fmt(runs.before)} ${fmt(runs.after)} ${ratio.toFixed(1)}×`);
      fs.rmSync(file);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
