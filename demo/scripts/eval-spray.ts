// npm run eval:spray — does SpRAy find the demo's shortcut? 240 seeded test images of the watermarked
// class (square), watermarked at the training set's rate (0.85; demo/scripts/train-demo.ts), written to
// .cache/eval-spray/images/ (the file names say which carry the watermark; SpRAy never reads names), then
// `spray` on the demo model (demo/models/shapes) with LRP (each rule preset) and with Grad-CAM: the number of clusters the
// eigengap chose and, for the cluster that best matches the watermarked images (highest F1), its purity
// (the share of its images that are watermarked) and recall (the share of the watermarked images in it);
// the same for the unmarked images, the minority a shortcut-free model would not separate.
// Flags: --images=N (default 240), --seed=N. About a minute on 2 cores.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { initEngine } from '../../src/core/engine/backend';
import { DEFAULT_METHOD, LRP_RULES, SPRAY_METHOD, type MethodName, type MethodParams } from '../../src/core/explain/specs';
import { runSpray, SPRAY_DEFAULTS, type SprayResult } from '../../src/core/spray/spray-run';
import { mulberry32 } from '../../src/core/explain/random';
import { IMAGE_SIZE, makeSample, SHORTCUT_CLASS } from './lib/shapes';

const REPO = path.resolve(__dirname, '..', '..');
const flag = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const COUNT = flag('images', 240);
const SEED = flag('seed', 31);
const RATE = 0.85;
const DIR = path.join(REPO, '.cache', 'eval-spray', `images-${COUNT}-${SEED}`);

function writeImages(): void {
  if (fs.existsSync(path.join(DIR, 'done'))) return;
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const rand = mulberry32(SEED);
  for (let i = 0; i < COUNT; i++) {
    const s = makeSample(rand, SHORTCUT_CLASS, rand() < RATE);
    const png = new PNG({ width: IMAGE_SIZE, height: IMAGE_SIZE });
    for (let p = 0; p < IMAGE_SIZE * IMAGE_SIZE; p++) {
      for (let c = 0; c < 3; c++) png.data[p * 4 + c] = Math.round(s.pixels[p * 3 + c]);
      png.data[p * 4 + 3] = 255;
    }
    fs.writeFileSync(path.join(DIR, `${String(i).padStart(3, '0')}-${s.watermark ? 'watermark' : 'clean'}.png`), PNG.sync.write(png));
  }
  fs.writeFileSync(path.join(DIR, 'done'), '');
}

interface Match {
  cluster: number;
  size: number;
  purity: number;
  recall: number;
  f1: number;
}

/** The cluster that best matches the images `is` picks (highest F1). */
function bestMatch(r: SprayResult, is: (image: string) => boolean): Match {
  const total = r.images.filter((i) => is(i.image)).length;
  return r.groups
    .map((g) => {
      const members = r.images.filter((i) => i.cluster === g.cluster);
      const hits = members.filter((i) => is(i.image)).length;
      const purity = hits / members.length;
      const recall = total ? hits / total : 0;
      return { cluster: g.cluster, size: members.length, purity, recall, f1: purity + recall ? (2 * purity * recall) / (purity + recall) : 0 };
    })
    .sort((a, b) => b.f1 - a.f1)[0];
}

async function main(): Promise<void> {
  const started = Date.now();
  await initEngine({ backend: 'wasm' });
  writeImages();
  const marked = fs.readdirSync(DIR).filter((f) => f.includes('-watermark')).length;
  console.log(`${COUNT} images of the class "square" (seed ${SEED}), ${marked} watermarked (rate ${RATE}), in ${path.relative(REPO, DIR)}`);
  const rows: string[] = [];
  const runs: { method: MethodName; params: Partial<MethodParams>; name: string }[] = [
    ...LRP_RULES.map((rule) => ({ method: SPRAY_METHOD, params: { lrpRule: rule }, name: `${SPRAY_METHOD} (${rule})` })),
    { method: DEFAULT_METHOD, params: {}, name: DEFAULT_METHOD },
  ];
  for (const { method, params, name } of runs) {
    const t0 = Date.now();
    const r = await runSpray({
      model: path.join(REPO, 'demo', 'models', 'shapes'),
      folder: DIR,
      classArg: String(SHORTCUT_CLASS),
      method,
      grid: SPRAY_DEFAULTS.grid,
      neighbours: SPRAY_DEFAULTS.neighbours,
      embedding: SPRAY_DEFAULTS.embedding,
      seed: 0,
      params,
    });
    const wm = bestMatch(r, (f) => f.includes('-watermark'));
    const clean = bestMatch(r, (f) => f.includes('-clean'));
    const sizes = r.groups.map((g) => g.size).join(', ');
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    console.log(
      `${name}: ${r.clusters} clusters (sizes ${sizes}); eigenvalues ${r.eigenvalues.map((e) => e.toFixed(3)).join(' ')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
    rows.push(
      `| ${name} | ${r.clusters} (${sizes}) | ${wm.cluster}: ${wm.size} images, purity ${pct(wm.purity)}, recall ${pct(wm.recall)} | ${clean.cluster}: ${clean.size} images, purity ${pct(clean.purity)}, recall ${pct(clean.recall)} |`,
    );
  }
  console.log('');
  console.log('| method | clusters (eigengap; sizes) | best match of the watermarked images | best match of the unmarked images |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
