// npm run eval:distill — the distillation losses of `model-lens distill` on the KD demo's task
// (demo/train_kd.py: four shapes on striped backgrounds, 32×32), mean ± sd over 3 seeds, outside CI.
//
// Data: 2000 training and 400 validation images drawn from the same distribution as train_kd.py's
// (demo/scripts/lib/kd-shapes.ts), written once as an ImageFolder under .cache/eval-distill/data/.
// Teachers: the demo's ONNX models (demo/runs/): `teacher` (convolutions of 32, 64, 96 channels) and, as the
// second ASDT teacher, `student-kd-s1` (12, 24, 24). Every run is one `model-lens distill --json` process,
// JOBS at a time; a run whose result is already in .cache/eval-distill/runs/ is not trained again, so an
// interrupted evaluation continues where it stopped (--fresh starts over).
//   1. One small student, cnn:0.75 (12, 24, 48 channels; a fifth of the teacher's parameters): scratch,
//      Hinton KD, FitNet hints, attention transfer, VID, HSAKD.
//   2. FSP needs the student's channels to equal the teacher's at the paired layers: a cnn:2 student
//      (32, 64, 128) paired at its first two stages, against the same student from scratch; the epochs each
//      needs to reach TARGET validation accuracy test FSP's claim to optimise faster.
//   3. TAKD: the teacher → an assistant cnn:1 → a student cnn:0.25 (1/50 of the teacher's parameters),
//      against direct KD from the teacher.
//   4. ASDT: the two teachers switched by the schedule, against KD from each teacher alone (cnn:0.5 student).
// Flags: --quick (200 images, one epoch, one seed: a smoke run whose numbers mean nothing), --epochs=N,
// --seeds=N, --jobs=N, --fresh. Wall time of the full run: see the README (about 80 minutes on 2 cores).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { KD_CLASSES, KD_SIZE, makeKdShapes } from './lib/kd-shapes';

const exec = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO, 'bin', 'model-lens.js');
const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = process.argv.includes('--quick');
const EPOCHS = Number(flag('epochs') ?? (QUICK ? 1 : 8));
const TRAIN = QUICK ? 160 : 2000;
const VAL = QUICK ? 40 : 400;
const SEEDS = Array.from({ length: Number(flag('seeds') ?? (QUICK ? 1 : 3)) }, (_, i) => i + 1);
const JOBS = Number(flag('jobs') ?? 2);
const TARGET = 0.9;
const ROOT = path.join(REPO, '.cache', 'eval-distill', QUICK ? 'quick' : 'full');
const DATA = path.join(ROOT, 'data');
const RUNS = path.join(ROOT, 'runs');
const TEACHER = path.join(REPO, 'demo', 'runs', 'teacher', 'model.onnx');
const TEACHER2 = path.join(REPO, 'demo', 'runs', 'student-kd-s1', 'model.onnx');

/** The images as an ImageFolder: <dir>/<class>/<i>.png. */
function writeFolder(dir: string, count: number, seed: number): void {
  if (fs.existsSync(path.join(dir, 'done'))) return;
  fs.rmSync(dir, { recursive: true, force: true });
  for (const c of KD_CLASSES) fs.mkdirSync(path.join(dir, c), { recursive: true });
  makeKdShapes(count, seed).forEach((s, i) => {
    const png = new PNG({ width: KD_SIZE, height: KD_SIZE });
    for (let p = 0; p < KD_SIZE * KD_SIZE; p++) {
      for (let ch = 0; ch < 3; ch++) png.data[p * 4 + ch] = s.pixels[p * 3 + ch];
      png.data[p * 4 + 3] = 255;
    }
    fs.writeFileSync(path.join(dir, KD_CLASSES[s.label], `${i}.png`), PNG.sync.write(png));
  });
  fs.writeFileSync(path.join(dir, 'done'), '');
}

interface Result {
  student: string;
  valAccuracy: number;
  trainAccuracy: number;
  logdir: string;
  /** Validation accuracy after each epoch (the run's metrics.csv; a chain: its last step's). */
  curve: number[];
  seconds: number;
}

/** The validation accuracy after each epoch, from a run's metrics.csv. */
function valCurve(run: string): number[] {
  const [header, ...rows] = fs.readFileSync(path.join(run, 'metrics.csv'), 'utf8').trim().split('\n');
  const col = header.split(',').indexOf('accuracy/val');
  return rows
    .map((r) => r.split(',')[col])
    .filter((v) => v !== '' && v !== undefined)
    .map(Number);
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/** One `model-lens distill` run (cached in RUNS/<name>.json). */
async function distill(name: string, args: string[]): Promise<Result> {
  const cached = path.join(RUNS, `${name}.json`);
  if (fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, 'utf8')) as Result;
  fs.rmSync(path.join(RUNS, name), { recursive: true, force: true });
  const t0 = Date.now();
  const common = ['--data', path.join(DATA, 'train'), '--val', path.join(DATA, 'val'), '--epochs', String(EPOCHS)];
  const more = ['--lr', '0.002', '--batch-size', '32', '--temperature', '4', '--logdir', RUNS, '--run-name', name, '--backend', 'wasm', '--json'];
  const { stdout } = await exec(process.execPath, [CLI, 'distill', ...common, ...args, ...more], { maxBuffer: 16 * 1024 * 1024 });
  const out = JSON.parse(stdout) as { student: string; valAccuracy: number; trainAccuracy: number; logdir: string };
  const result: Result = { ...out, curve: valCurve(out.logdir), seconds: (Date.now() - t0) / 1000 };
  fs.writeFileSync(cached, JSON.stringify(result));
  console.log(`  ${name}: validation ${(100 * result.valAccuracy).toFixed(1)} % after ${EPOCHS} epochs (${result.seconds.toFixed(0)} s; ${elapsed()} in all)`);
  return result;
}

/** Runs the tasks JOBS at a time, in order. */
async function pool<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, tasks.length) }, worker));
  return results;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const pct = (v: number[]) => (v.length === 1 ? `${(100 * v[0]).toFixed(1)} %` : `${(100 * mean(v)).toFixed(1)} ± ${(100 * sd(v)).toFixed(1)} %`);
/** Epochs to reach TARGET validation accuracy, per seed ("–": not within the run). */
const toTarget = (rs: Result[]) => rs.map((r) => r.curve.findIndex((v) => v >= TARGET)).map((i) => (i < 0 ? '–' : String(i + 1)));

interface Row {
  section: string;
  name: string;
  args: (seed: number) => string[];
}

async function main(): Promise<void> {
  if (process.argv.includes('--fresh')) fs.rmSync(ROOT, { recursive: true, force: true });
  writeFolder(path.join(DATA, 'train'), TRAIN, 21);
  writeFolder(path.join(DATA, 'val'), VAL, 22);
  fs.mkdirSync(RUNS, { recursive: true });
  console.log(
    `data: ${TRAIN} training and ${VAL} validation images (${KD_SIZE}×${KD_SIZE}, 4 classes) in ${path.relative(REPO, DATA)}; ${EPOCHS} epochs, seeds ${SEEDS.join(', ')}, ${JOBS} runs at a time`,
  );
  // The teachers' own accuracy on this validation set (model-lens compare).
  const { stdout } = await exec(process.execPath, [CLI, 'compare', TEACHER, TEACHER2, path.join(DATA, 'val'), '--json', '--backend', 'wasm'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const [acc1, acc2] = (JSON.parse(stdout) as { models: { accuracy: number }[] }).models.map((m) => m.accuracy);
  console.log(`teachers' validation accuracy: teacher ${pct([acc1])}, student-kd-s1 ${pct([acc2])}`);
  const t = ['--teacher', TEACHER];
  const seed = (s: number) => ['--seed', String(s)];
  // The scratch rows name the teacher too: with only ce it teaches nothing, but its input size sets the images' size.
  const FSP_PAIRS = '/2/Relu_output_0:conv1_relu,/6/Relu_output_0:conv2_relu';
  const rows: Row[] = [
    { section: 'one', name: 'scratch (ce)', args: (s) => [...t, '--student', 'cnn:0.75', '--loss', 'ce:1', ...seed(s)] },
    { section: 'one', name: 'Hinton KD', args: (s) => [...t, '--student', 'cnn:0.75', '--loss', 'ce:0.5,kd:0.5', ...seed(s)] },
    { section: 'one', name: 'FitNet hints', args: (s) => [...t, '--student', 'cnn:0.75', '--loss', 'ce:1,hint:0.5', ...seed(s)] },
    { section: 'one', name: 'attention transfer', args: (s) => [...t, '--student', 'cnn:0.75', '--loss', 'ce:1,at:100', ...seed(s)] },
    { section: 'one', name: 'VID', args: (s) => [...t, '--student', 'cnn:0.75', '--loss', 'ce:1,vid:0.1', ...seed(s)] },
    { section: 'one', name: 'HSAKD', args: (s) => [...t, '--student', 'cnn:0.75', '--loss', 'hsakd:1', ...seed(s)] },
    { section: 'fsp', name: 'scratch (ce)', args: (s) => [...t, '--student', 'cnn:2', '--loss', 'ce:1', ...seed(s)] },
    { section: 'fsp', name: 'FSP', args: (s) => [...t, '--student', 'cnn:2', '--loss', 'ce:1,fsp:0.01', '--pairs', FSP_PAIRS, ...seed(s)] },
    { section: 'takd', name: 'direct KD', args: (s) => [...t, '--student', 'cnn:0.25', '--loss', 'ce:0.5,kd:0.5', ...seed(s)] },
    {
      section: 'takd',
      name: 'TAKD through an assistant cnn:1',
      args: (s) => [...t, '--assistant', 'cnn:1', '--student', 'cnn:0.25', '--loss', 'ce:0.5,kd:0.5', ...seed(s)],
    },
    { section: 'asdt', name: 'KD from teacher', args: (s) => [...t, '--student', 'cnn:0.5', '--loss', 'ce:0.5,kd:0.5', ...seed(s)] },
    { section: 'asdt', name: 'KD from student-kd-s1', args: (s) => ['--teacher', TEACHER2, '--student', 'cnn:0.5', '--loss', 'ce:0.5,kd:0.5', ...seed(s)] },
    {
      section: 'asdt',
      name: 'ASDT: both, period 20 steps, duty 0.5',
      args: (s) => [...t, '--teacher', TEACHER2, '--student', 'cnn:0.5', '--loss', 'ce:0.5,kd:0.5', '--schedule', 'asdt:20:0.5', ...seed(s)],
    },
  ];
  // Seed-major order: every row's first seed comes before any second seed, so a stopped run has a whole first column.
  const tasks = SEEDS.flatMap((s) =>
    rows.map((row, r) => ({ r, s, run: () => distill(`${row.section}-${row.name.replace(/\W+/g, '-')}-s${s}`, row.args(s)) })),
  );
  const results = await pool(tasks.map((task) => task.run));
  const of = (r: number) => tasks.flatMap((task, i) => (task.r === r ? [results[i]] : []));

  const table = (section: string, title: string, withEpochs: boolean) => {
    console.log('');
    console.log(
      `| ${title} | validation accuracy after epoch ${EPOCHS} | best epoch's | per seed (after epoch ${EPOCHS}) |${withEpochs ? ` epochs to ${100 * TARGET} % (per seed) |` : ''}`,
    );
    console.log(`|---|---|---|---|${withEpochs ? '---|' : ''}`);
    rows.forEach((row, r) => {
      if (row.section !== section) return;
      const rs = of(r);
      const seeds = rs.map((x) => (100 * x.valAccuracy).toFixed(1)).join(', ');
      console.log(
        `| ${row.name} | ${pct(rs.map((x) => x.valAccuracy))} | ${pct(rs.map((x) => Math.max(...x.curve)))} | ${seeds} |${withEpochs ? ` ${toTarget(rs).join(', ')} |` : ''}`,
      );
    });
  };
  table('one', 'student cnn:0.75, teacher demo/runs/teacher', true);
  table('fsp', 'student cnn:2, FSP at its first two stages', true);
  table('takd', 'teacher → student cnn:0.25', false);
  table('asdt', 'student cnn:0.5', false);
  console.log(`\n${elapsed()} in all; the runs' logs and checkpoints are in ${path.relative(REPO, RUNS)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
