// npm run eval:knowledge — the three hypotheses of Cheng et al. (CVPR 2020, "Explaining knowledge
// distillation by quantifying the knowledge") on the demo's distillation runs (demo/train_kd.py): the
// teacher, the KD students and the students from scratch (3 seeds each), their knowledge points on the
// first validation images of each class (demo/kd-images), over each run's checkpoints.
//
// Bounded to run in under 10 minutes on 2 cores: IMAGES images (2 per class), STEPS steps × SAMPLES noise
// samples per image (the CLI's defaults are 300 × 16), two model processes at a time. Flags:
// --images=N (per class), --steps=N, --samples=N, --jobs=N.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO, 'bin', 'model-lens.js');
const RUNS = path.join(REPO, 'demo', 'runs');
const IMAGES = path.join(REPO, 'demo', 'kd-images');
const SEEDS = [1, 2, 3];

const flag = (name: string, fallback: number): number => {
  const v = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return v === undefined ? fallback : Number(v);
};
const PER_CLASS = flag('images', 2);
const STEPS = flag('steps', 100);
const SAMPLES = flag('samples', 8);
const JOBS = flag('jobs', 2);

interface Knowledge {
  images: { image: string; nFg: number; nBg: number; lambdaFg: number | null }[];
  checkpoints: { path: string; nFg: number; nBg: number }[];
  dMean: number;
  dStd: number;
  rho: number;
}

/** The first PER_CLASS images of each class with their boxes, copied to a folder of their own. */
function chooseImages(): { folder: string; boxes: string; count: number } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-knowledge-'));
  const all = JSON.parse(fs.readFileSync(path.join(IMAGES, 'boxes.json'), 'utf8')) as { file: string; class: string }[];
  const byClass = new Map<string, typeof all>();
  for (const e of all) byClass.set(e.class, [...(byClass.get(e.class) ?? []), e]);
  const chosen = [...byClass.values()].flatMap((list) => list.sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true })).slice(0, PER_CLASS));
  for (const e of chosen) {
    fs.mkdirSync(path.join(folder, path.dirname(e.file)), { recursive: true });
    fs.copyFileSync(path.join(IMAGES, e.file), path.join(folder, e.file));
  }
  const boxes = path.join(folder, 'boxes.json');
  fs.writeFileSync(boxes, JSON.stringify(chosen));
  return { folder, boxes, count: chosen.length };
}

async function knowledge(runName: string, folder: string, boxes: string): Promise<Knowledge> {
  const dir = path.join(RUNS, runName);
  const { stdout } = await run(
    process.execPath,
    [
      CLI,
      'knowledge',
      path.join(dir, 'model.onnx'),
      folder,
      '--boxes',
      boxes,
      '--checkpoints',
      path.join(dir, 'checkpoints'),
      '--steps',
      String(STEPS),
      '--samples',
      String(SAMPLES),
      '--json',
      '--backend',
      'wasm',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Knowledge;
}

/** The run's last validation accuracy (epochs.csv: 500 images), as train_kd.py logged it. */
function valAccuracy(runName: string): number {
  const rows = fs
    .readFileSync(path.join(RUNS, runName, 'epochs.csv'), 'utf8')
    .trim()
    .split(/\r?\n/); // Python's csv module ends rows with \r\n.
  const header = rows[0].split(',');
  const value = Number(rows.at(-1)!.split(',')[header.indexOf('val_acc')]);
  if (!Number.isFinite(value)) throw new Error(`${runName}/epochs.csv: no val_acc in its last row`);
  return value;
}

async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const ms = (v: number[], digits: number) => (v.length === 1 ? v[0].toFixed(digits) : `${mean(v).toFixed(digits)} ± ${sd(v).toFixed(digits)}`);

async function main(): Promise<void> {
  const started = Date.now();
  const { folder, boxes, count } = chooseImages();
  const groups = [
    { name: 'teacher', runs: ['teacher'] },
    { name: 'KD student', runs: SEEDS.map((s) => `student-kd-s${s}`) },
    { name: 'scratch student', runs: SEEDS.map((s) => `student-scratch-s${s}`) },
  ];
  const runs = groups.flatMap((g) => g.runs);
  console.log(
    `knowledge points: ${count} images (${PER_CLASS} per class of demo/kd-images), ${STEPS} steps × ${SAMPLES} samples, ${runs.length} runs, ${JOBS} at a time…`,
  );
  const results = new Map(runs.map((r, i) => [r, i] as const));
  const all = await pool(runs, JOBS, async (r) => {
    const k = await knowledge(r, folder, boxes);
    console.log(`  ${r}: done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return k;
  });
  const of = (r: string) => all[results.get(r)!];
  /** Per run: the mean over the images. */
  const perRun = (r: string) => {
    const k = of(r);
    const lambdas = k.images.map((i) => i.lambdaFg).filter((v): v is number => v !== null);
    return {
      acc: valAccuracy(r),
      nFg: mean(k.images.map((i) => i.nFg)),
      nBg: mean(k.images.map((i) => i.nBg)),
      lambda: lambdas.length ? mean(lambdas) : 0,
      dMean: k.dMean,
      dStd: k.dStd,
      rho: k.rho,
    };
  };
  const rows = groups.map((g) => ({ name: g.name, seeds: g.runs.length, values: g.runs.map(perRun) }));
  const col = (values: ReturnType<typeof perRun>[], key: keyof ReturnType<typeof perRun>, digits: number) =>
    ms(
      values.map((v) => v[key]),
      digits,
    );
  console.log('');
  console.log('| model | runs | val accuracy | N_fg | N_bg | λ_fg | D_mean | D_std | ρ |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.seeds} | ${col(r.values, 'acc', 3)} | ${col(r.values, 'nFg', 1)} | ${col(r.values, 'nBg', 1)} | ${col(r.values, 'lambda', 3)} | ${col(r.values, 'dMean', 2)} | ${col(r.values, 'dStd', 2)} | ${col(r.values, 'rho', 3)} |`,
    );

  // The hypotheses: the KD students against the scratch students (mean over seeds), with the seeds' spread.
  const kd = rows[1].values;
  const sc = rows[2].values;
  const verdict = (key: keyof ReturnType<typeof perRun>, better: 'higher' | 'lower') => {
    const a = kd.map((v) => v[key]);
    const b = sc.map((v) => v[key]);
    const diff = mean(a) - mean(b);
    const right = better === 'higher' ? diff > 0 : diff < 0;
    const clear = Math.abs(diff) > Math.max(sd(a), sd(b));
    return {
      right,
      text: `${key} KD ${ms(a, 3)} vs scratch ${ms(b, 3)}: ${right ? (clear ? 'as predicted' : 'as predicted, within the seeds’ spread') : 'not as predicted'}`,
    };
  };
  const h1 = [verdict('nFg', 'higher'), verdict('nBg', 'lower'), verdict('lambda', 'higher')];
  const h2 = [verdict('dMean', 'lower'), verdict('dStd', 'lower')];
  const h3 = [verdict('rho', 'higher')];
  const mark = (vs: { right: boolean }[]) => (vs.every((v) => v.right) ? 'supported' : vs.some((v) => v.right) ? 'partly supported' : 'not supported');
  console.log('');
  console.log(
    `H1 (distillation makes the student encode more knowledge points in the foreground, fewer in the background): ${mark(h1)} — ${h1.map((v) => v.text).join('; ')}`,
  );
  console.log(
    `H2 (distillation makes the student learn its knowledge points at once, with a shorter and steadier path of the weights): ${mark(h2)} — ${h2.map((v) => v.text).join('; ')}`,
  );
  console.log(
    `H3 (distillation makes the student's optimisation steadier: fewer points learned and then forgotten): ${mark(h3)} — ${h3.map((v) => v.text).join('; ')}`,
  );

  // Does the KD student agree with the teacher more than the scratch student does? compare over all 40 images.
  const models = ['teacher', ...rows[1].values.map((_, i) => `student-kd-s${SEEDS[i]}`), ...SEEDS.map((s) => `student-scratch-s${s}`)].map((r) =>
    path.join(RUNS, r, 'model.onnx'),
  );
  const { stdout } = await run(
    process.execPath,
    [CLI, 'compare', ...models, IMAGES, '--boxes', path.join(IMAGES, 'boxes.json'), '--json', '--backend', 'wasm'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const cmp = JSON.parse(stdout) as {
    models: { path: string; agreement: number | null }[];
    pairs: { a: string; b: string; rankCorrelation: number | null }[];
    images: unknown[];
  };
  const withTeacher = (kind: 'kd' | 'scratch') => {
    const paths = models.filter((m) => m.includes(`student-${kind}-`));
    const agreement = paths.map((p) => cmp.models.find((m) => m.path === p)!.agreement!);
    const rc = paths.map((p) => cmp.pairs.find((q) => q.a === models[0] && q.b === p)!.rankCorrelation!);
    return { agreement, rc };
  };
  const k = withTeacher('kd');
  const s = withTeacher('scratch');
  console.log('');
  console.log(`compare with the teacher on the ${cmp.images.length} images of demo/kd-images (Grad-CAM maps):`);
  console.log(`| student | top-1 agreement | map rank correlation |`);
  console.log('|---|---|---|');
  console.log(`| KD | ${ms(k.agreement, 3)} | ${ms(k.rc, 3)} |`);
  console.log(`| scratch | ${ms(s.agreement, 3)} | ${ms(s.rc, 3)} |`);
  const agreesMore = mean(k.agreement) > mean(s.agreement);
  const mapsCloser = mean(k.rc) > mean(s.rc);
  console.log(
    `The KD students agree with the teacher ${agreesMore ? 'more' : 'no more'} than the scratch students do (top-1), and their maps are ${mapsCloser ? 'closer to' : 'no closer to'} the teacher's (rank correlation).`,
  );
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  fs.rmSync(folder, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
