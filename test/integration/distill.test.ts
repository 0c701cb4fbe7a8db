// The trainer (core/distill/trainer.ts) and `model-lens distill` on a few demo images: a cancelled run
// resumed from its checkpoint ends with the weights of an uninterrupted one; the logs hold exactly the
// logged terms, weighted so that they add up to the total; ASDT switches its two teachers' terms; bad
// data folders and flags are refused with one line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { distill, stageEnds, stagePairs, type DistillOptions } from '../../src/core/distill/trainer';
import { readModelArtifacts } from '../../src/core/model/artifacts';
import { loadModel } from '../../src/core/model/load';
import { ScalarEventDecoder } from '../../src/core/logs/event-decode';
import { scanRecords } from '../../src/core/logs/tfrecord';
import { cli } from '../helpers/cli';

const repo = path.resolve(__dirname, '..', '..');
const teacher = path.join(repo, 'demo', 'runs', 'teacher', 'model.onnx');
const teacher2 = path.join(repo, 'demo', 'runs', 'student-kd-s1', 'model.onnx');

/** 6 images per class of demo/kd-images, as an ImageFolder of its own. */
function smallData(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-data-'));
  for (const c of ['circle', 'cross', 'square', 'triangle']) {
    fs.mkdirSync(path.join(dir, c));
    for (let i = 1; i <= 6; i++) fs.copyFileSync(path.join(repo, 'demo', 'kd-images', c, `${c}-${i}.png`), path.join(dir, c, `${c}-${i}.png`));
  }
  return dir;
}

const data = smallData();
const base = (logdir: string): DistillOptions => ({
  teachers: [teacher],
  student: 'cnn:0.25',
  data,
  valSplit: 0.25,
  loss: { ce: 0.3, kd: 0.7 },
  temperature: 4,
  epochs: 2,
  batchSize: 6,
  lr: 0.01,
  optimizer: 'adam',
  logdir,
  runName: 'run',
  seed: 3,
});

/** The CLI flags of a one-epoch run of a cnn:0.25 student on the small data, with --json. */
const quickRun = (logdir: string): string[] => [
  '--student',
  'cnn:0.25',
  '--data',
  data,
  '--val-split',
  '0.25',
  '--epochs',
  '1',
  '--batch-size',
  '6',
  '--logdir',
  logdir,
  '--json',
  '--backend',
  'wasm',
];

/** Every scalar of an event file, read by the curves panel's own decoder. */
function parseEventFile(bytes: Uint8Array): { scalars: { tag: string; step: number; value: number }[] } {
  const scalars: { tag: string; step: number; value: number }[] = [];
  const decoder = new ScalarEventDecoder();
  scanRecords(bytes, (payload) => decoder.decode(payload, (tag, step, _wall, value) => scalars.push({ tag, step, value })));
  return { scalars };
}

/** The weights of a saved layers model, concatenated. */
function weightsOf(modelJson: string): Float32Array {
  const { artifacts } = readModelArtifacts(modelJson);
  return new Float32Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
}

/** The largest difference between the weights of two saved students. */
function worstDifference(a: string, b: string): number {
  const wa = weightsOf(a);
  const wb = weightsOf(b);
  assert.equal(wa.length, wb.length);
  let worst = 0;
  for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i] - wb[i]));
  return worst;
}

/** Cancels a run at `step` (its progress count), then resumes it: the resumed student. */
async function cancelThenResume(opts: DistillOptions, step: number): Promise<string> {
  const controller = new AbortController();
  await assert.rejects(distill({ ...opts, signal: controller.signal, onProgress: (done) => done === step && controller.abort() }), { name: 'AbortError' });
  return (await distill({ ...opts, resume: true })).student;
}

test('a run cancelled in its second epoch and resumed from its checkpoint ends with the weights of an uninterrupted run (within 1e-5)', async () => {
  await initEngine({ backend: 'wasm' });
  const whole = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const parts = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  await loadModel(teacher); // the model cache keeps the teacher: loaded before counting
  const before = tf.memory().numTensors;
  const a = await distill(base(whole));
  const controller = new AbortController();
  await assert.rejects(
    distill({
      ...base(parts),
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 5) controller.abort(); // 3 batches an epoch: step 5 is in the second
      },
    }),
    { name: 'AbortError' },
  );
  // The cancelled run keeps its last checkpoint (epoch 1) and its logs.
  assert.ok(fs.existsSync(path.join(parts, 'run', 'checkpoints', 'epoch-001', 'model.json')));
  assert.ok(!fs.existsSync(path.join(parts, 'run', 'checkpoints', 'epoch-002')));
  const b = await distill({ ...base(parts), resume: true });
  assert.equal(tf.memory().numTensors, before, 'no tensor left by the trainer');
  const wa = weightsOf(a.student);
  const wb = weightsOf(b.student);
  assert.equal(wa.length, wb.length);
  let worst = 0;
  for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i] - wb[i]));
  assert.ok(worst <= 1e-5, `largest weight difference ${worst}`);
  assert.ok(
    wa.some((v, i) => v !== weightsOf(path.join(whole, 'run', 'checkpoints', 'epoch-000', 'model.json'))[i]),
    'training changed the weights',
  );
  // metrics.csv of the resumed run: each step once, in order.
  const steps = fs
    .readFileSync(path.join(parts, 'run', 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[0]));
  assert.deepEqual([...new Set(steps)], [0, 1, 2, 3, 4, 5]);
});

test('the event file and metrics.csv hold exactly the logged terms, weighted: ce + kd = total at every step', async () => {
  await initEngine({ backend: 'wasm' });
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const r = await distill(base(logdir));
  assert.deepEqual(r.terms, ['ce', 'kd']);
  const run = path.join(logdir, 'run');
  const eventFile = fs.readdirSync(run).find((f) => f.startsWith('events.out.tfevents.'))!;
  const parsed = parseEventFile(new Uint8Array(fs.readFileSync(path.join(run, eventFile))));
  const tags = [...new Set(parsed.scalars.map((s) => s.tag))].sort();
  assert.deepEqual(tags, ['accuracy/train', 'accuracy/val', 'loss/ce', 'loss/kd', 'loss/total', 'lr']);
  const byStep = new Map<number, Record<string, number>>();
  for (const s of parsed.scalars) byStep.set(s.step, { ...byStep.get(s.step), [s.tag]: s.value });
  for (const [step, v] of byStep)
    if ('loss/total' in v) assert.ok(Math.abs(v['loss/ce'] + v['loss/kd'] - v['loss/total']) < 1e-5, `step ${step}: ${JSON.stringify(v)}`);
  const [header, ...rows] = fs.readFileSync(path.join(run, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(header, 'step,epoch,loss/total,loss/ce,loss/kd,lr,accuracy/train,accuracy/val');
  assert.equal(rows.length, 6 + 2, 'a row per step and one per epoch');
  assert.ok(
    Math.abs(r.valAccuracy - parsed.scalars.filter((s) => s.tag === 'accuracy/val').at(-1)!.value) < 1e-6,
    'the logged validation accuracy is the one returned',
  );
});

test('ASDT: two teachers, each KD term on for its share of the period and 0 (logged) while off', async () => {
  await initEngine({ backend: 'wasm' });
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const r = await distill({ ...base(logdir), teachers: [teacher, teacher2], loss: { ce: 1, kd: 1 }, schedule: { period: 4, duty: 0.5 }, epochs: 1 });
  assert.deepEqual(r.terms, ['ce', 'kd_t1', 'kd_t2']);
  const rows = fs
    .readFileSync(path.join(logdir, 'run', 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1, 4)
    .map((l) => l.split(',').map(Number));
  // columns: step, epoch, total, ce, kd_t1, kd_t2; steps 0, 1 teacher 1, step 2 teacher 2 (t mod 4 < 2).
  assert.ok(rows[0][4] > 0 && rows[0][5] === 0 && rows[1][4] > 0 && rows[1][5] === 0, JSON.stringify(rows));
  assert.ok(rows[2][4] === 0 && rows[2][5] > 0, JSON.stringify(rows));
  for (const row of rows) assert.ok(Math.abs(row[3] + row[4] + row[5] - row[2]) < 1e-5);
});

test('bad data folders and flags: one line naming the folder or the problem, exit 2', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-bad-'));
  const args = (d: string) => ['distill', '--teacher', teacher, '--student', 'cnn', '--data', d, '--epochs', '1', '--logdir', empty];
  let r = await cli(...args(empty));
  assert.equal(r.code, 2);
  assert.equal(r.err.trim(), `model-lens: ${empty}: no class folders (the data needs one sub-folder of images per class)`);
  const one = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-bad-'));
  fs.mkdirSync(path.join(one, 'circle'));
  fs.copyFileSync(path.join(data, 'circle', 'circle-1.png'), path.join(one, 'circle', 'a.png'));
  r = await cli(...args(one));
  assert.equal(r.err.trim(), `model-lens: ${one}: only one class folder ("circle"); a classifier needs two or more`);
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-bad-'));
  for (const c of ['a', 'b']) fs.mkdirSync(path.join(broken, c));
  fs.copyFileSync(path.join(data, 'circle', 'circle-1.png'), path.join(broken, 'a', 'ok.png'));
  fs.writeFileSync(path.join(broken, 'b', 'bad.png'), 'not a png');
  r = await cli(...args(broken));
  assert.equal(r.code, 2);
  assert.match(r.err.trim(), new RegExp(`^model-lens: ${path.join(broken, 'b', 'bad.png').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  assert.equal(r.err.trim().split('\n').length, 1);
  r = await cli('distill', '--teacher', teacher, '--student', 'cnn', '--data', data, '--alpha', '0.3', '--loss', 'ce');
  assert.equal(r.err.trim(), 'model-lens: --alpha A means --loss ce:A,kd:1−A: give one or the other');
  r = await cli('distill', '--teacher', teacher, '--student', 'cnn', '--data', data, '--loss', 'ce:1,kd:0.5,kd:0.5');
  assert.equal(r.err.trim(), 'model-lens: --loss: kd is named twice');
  r = await cli('distill', '--teacher', teacher, '--teacher', teacher2, '--student', 'cnn', '--data', data, '--schedule', 'asdt:4:1.5');
  assert.equal(r.err.trim(), 'model-lens: --schedule asdt:4:1.5: expected asdt:PERIOD:DUTY (PERIOD steps ≥ 1, DUTY between 0 and 1)');
  r = await cli('distill', '--student', 'resnet', '--data', data);
  assert.equal(r.err.trim(), 'model-lens: resnet: file not found (--student is a model.json or an architecture: cnn[:WIDTH], mobilenetv2[:ALPHA])');
});

test('distill --json prints one object: the final student, epochs, accuracies, log folder and terms', async () => {
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const r = await cli('distill', '--teacher', teacher, ...quickRun(logdir));
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.deepEqual(Object.keys(out), ['student', 'epochs', 'valAccuracy', 'trainAccuracy', 'logdir', 'terms', 'pairs', 'chain']);
  assert.deepEqual(out.chain, []);
  assert.equal(out.student, path.join(logdir, 'cnn-0.25', 'model.json'));
  assert.equal(out.epochs, 1);
  assert.deepEqual(out.terms, ['ce', 'kd']);
  assert.ok(fs.existsSync(out.student));
  // The final student opens as any model does: a 4-class layers model.
  const s = await cli('summary', out.student, '--json');
  assert.equal(JSON.parse(s.out).outputs[0].shape.at(-1), 4);
});

test('feature pairs: the last layer of each spatial size, paired from the end', () => {
  const shapes = (spec: [string, number][]) => spec.map(([name, size]) => ({ name, shape: [1, size, size, 8] }));
  const teacher = stageEnds([
    ...shapes([
      ['c1', 32],
      ['r1', 32],
      ['p1', 16],
      ['c2', 16],
      ['r2', 16],
      ['c3', 8],
      ['r3', 8],
    ]),
    { name: 'fc', shape: [1, 4] },
  ]);
  assert.deepEqual(teacher, ['r1', 'r2', 'r3']);
  const student = stageEnds(
    shapes([
      ['a', 16],
      ['b', 8],
    ]),
  );
  assert.deepEqual(stagePairs(teacher, student), [
    ['r2', 'a'],
    ['r3', 'b'],
  ]);
});

test('attention transfer in the trainer: the term is logged weighted and the terms add up to the total', async () => {
  await initEngine({ backend: 'wasm' });
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const r = await distill({ ...base(logdir), loss: { ce: 1, at: 50 }, epochs: 1 });
  assert.deepEqual(r.terms, ['ce', 'at']);
  assert.ok(r.pairs.length >= 2, JSON.stringify(r.pairs));
  const [header, ...rows] = fs
    .readFileSync(path.join(logdir, 'run', 'metrics.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(header, 'step,epoch,loss/total,loss/ce,loss/at,lr,accuracy/train,accuracy/val');
  for (const row of rows.slice(0, 3).map((l) => l.split(',').map(Number))) {
    assert.ok(row[4] > 0, 'an attention term');
    assert.ok(Math.abs(row[3] + row[4] - row[2]) < 1e-5);
  }
});

test("the feature terms' learned parts (FitNet's adapters, VID's regressors) are saved with each checkpoint: a resumed run equals an uninterrupted one", async () => {
  await initEngine({ backend: 'wasm' });
  const opts = (logdir: string): DistillOptions => ({ ...base(logdir), loss: { ce: 1, hint: 0.5, vid: 0.1 } });
  const whole = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const parts = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const a = await distill(opts(whole));
  const resumed = await cancelThenResume(opts(parts), 4);
  assert.ok(fs.existsSync(path.join(parts, 'run', 'checkpoints', 'epoch-001', 'distill-aux.json')));
  const worst = worstDifference(a.student, resumed);
  assert.ok(worst <= 1e-5, `largest weight difference ${worst}`);
});

test('FSP between a teacher and a student of the same channels: the term is logged and adds up; other channels are refused in one line', async () => {
  await initEngine({ backend: 'wasm' });
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  // A teacher of the student's architecture: a cnn:0.25 trained for one epoch.
  const t = await distill({ ...base(logdir), runName: 'teacher', loss: { ce: 1 }, epochs: 1 });
  const r = await distill({ ...base(logdir), teachers: [t.student], runName: 'fsp', loss: { ce: 1, fsp: 1 }, epochs: 1 });
  assert.deepEqual(r.pairs, [
    ['conv1_relu', 'conv1_relu'],
    ['conv2_relu', 'conv2_relu'],
    ['conv3_relu', 'conv3_relu'],
  ]);
  const rows = fs
    .readFileSync(path.join(logdir, 'fsp', 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1, 4)
    .map((l) => l.split(',').map(Number));
  for (const row of rows) {
    assert.ok(row[4] > 0, 'an FSP term');
    assert.ok(Math.abs(row[3] + row[4] - row[2]) < 1e-5);
  }
  await assert.rejects(
    distill({ ...base(logdir), runName: 'fsp2', loss: { ce: 1, fsp: 1 }, epochs: 1 }),
    /^InputError: fsp: the student's layers conv1_relu, conv2_relu have 4, 8 channels/,
  );
});

test("a mobilenetv2:0.35 student: channels × alpha rounded to eights as Keras does, logits for the data's classes, trained a step", async () => {
  await initEngine({ backend: 'wasm' });
  const { divisible } = await import('../../src/core/distill/mobilenet-v2');
  assert.deepEqual(
    [32, 16, 24, 64, 96, 160, 320].map((c) => divisible(c * 0.35)),
    [16, 8, 8, 24, 32, 56, 112],
  );
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const r = await distill({ ...base(logdir), student: 'mobilenetv2:0.35', epochs: 1, runName: 'mnv2' });
  const { artifacts } = readModelArtifacts(r.student);
  const layers = (artifacts.modelTopology as { config: { layers: { name: string; config: { units?: number; activation?: string } }[] } }).config.layers;
  const head = layers.find((l) => l.name === 'predictions')!;
  assert.equal(head.config.units, 4);
  assert.equal(head.config.activation, 'linear');
  assert.ok(
    layers.some((l) => l.name === 'block_16_project'),
    'the 17 inverted residual blocks',
  );
});

test('a teacher-assistant chain: teacher → assistant → student, each step its own run; --json names the chain', async () => {
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const r = await cli('distill', '--teacher', teacher, '--assistant', 'cnn:0.5', ...quickRun(logdir));
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.deepEqual(out.chain, [path.join(logdir, 'cnn-0.25-ta1', 'model.json'), path.join(logdir, 'cnn-0.25', 'model.json')]);
  assert.equal(out.student, out.chain[1]);
  for (const run of ['cnn-0.25-ta1', 'cnn-0.25'])
    assert.equal(
      fs.readFileSync(path.join(logdir, run, 'metrics.csv'), 'utf8').split('\n')[0],
      'step,epoch,loss/total,loss/ce,loss/kd,lr,accuracy/train,accuracy/val',
    );
  // The assistant is wider than the student: its checkpoint's first conv has 8 filters, the student's 4.
  const filters = (run: string) =>
    (
      readModelArtifacts(path.join(logdir, run, 'model.json')).artifacts.modelTopology as {
        config: { layers: { name: string; config: { filters?: number } }[] };
      }
    ).config.layers.find((l) => l.name === 'conv1')!.config.filters;
  assert.deepEqual([filters('cnn-0.25-ta1'), filters('cnn-0.25')], [8, 4]);
  const bad = await cli(
    'distill',
    '--teacher',
    teacher,
    '--teacher',
    teacher2,
    '--schedule',
    'asdt:4:0.5',
    '--assistant',
    'cnn',
    '--student',
    'cnn',
    '--data',
    data,
  );
  assert.equal(bad.err.trim(), 'model-lens: --assistant chains start from one --teacher (not two: ASDT and TAKD do not combine)');
});

test('--augment: seeded views per (seed, epoch, batch) — two runs log the same losses, which differ from the unaugmented run', async () => {
  await initEngine({ backend: 'wasm' });
  const lossesOf = async (augment?: string) => {
    const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
    await distill({ ...base(logdir), epochs: 1, augment });
    return fs
      .readFileSync(path.join(logdir, 'run', 'metrics.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1, 4)
      .map((l) => Number(l.split(',')[2]));
  };
  const a = await lossesOf('flip,jitter=0.4,crop=0.6');
  const b = await lossesOf('flip,jitter=0.4,crop=0.6');
  const plain = await lossesOf();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, plain);
  await assert.rejects(distill({ ...base(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'))), augment: 'twirl' }), /twirl/);
});

test("HSAKD: the teacher's heads trained first, the student on the rotated views; logged as one term; resumed to the same weights", async () => {
  await initEngine({ backend: 'wasm' });
  const opts = (logdir: string): DistillOptions => ({ ...base(logdir), loss: { hsakd: 1 } });
  const whole = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const parts = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const a = await distill(opts(whole));
  assert.deepEqual(a.terms, ['hsakd']);
  const header = fs.readFileSync(path.join(whole, 'run', 'metrics.csv'), 'utf8').split('\n')[0];
  assert.equal(header, 'step,epoch,loss/total,loss/hsakd,lr,accuracy/train,accuracy/val');
  const worst = worstDifference(a.student, await cancelThenResume(opts(parts), 4));
  assert.ok(worst <= 1e-5, `largest weight difference ${worst}`);
  await assert.rejects(distill({ ...opts(parts), loss: { hsakd: 1, ce: 1 } }), /use --loss hsakd alone/);
});

test("the class index is the teacher's: folders sorted by name (circle, cross, square, triangle) take the teacher's label order (circle, square, triangle, cross)", async () => {
  await initEngine({ backend: 'wasm' });
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-distill-'));
  const r = await distill({ ...base(logdir), epochs: 1, loss: { kd: 1 } });
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(path.dirname(r.student), 'classes.json'), 'utf8')), ['circle', 'square', 'triangle', 'cross']);
  // The folders themselves sort otherwise: without the alignment KD would pair the wrong classes.
  const { classFolders } = await import('../../src/core/distill/image-folder');
  assert.deepEqual(classFolders(data).classes, ['circle', 'cross', 'square', 'triangle']);
});
