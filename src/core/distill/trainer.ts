/**
 * The distillation trainer (issue 17): a student learns from one or two teachers on an ImageFolder data
 * set with a weighted sum of named loss terms — `ce` and `kd` for now — and the ASDT schedule for two
 * teachers. Every term is logged weighted, as it enters the total (so they add up to `loss/total`), to
 * a TensorBoard event file and to `metrics.csv`, with the learning rate and the train and validation
 * accuracy; a checkpoint per epoch (TF.js layers format, the optimiser's state beside it). Data order is a
 * function of (seed, epoch), so a run resumed from its last checkpoint equals an uninterrupted one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, throwIfAborted } from '../errors';
import { EventFileWriter } from '../logs/event-writer';
import { readModelArtifacts } from '../model/artifacts';
import { LayersInspectableModel } from '../model/layers-model';
import { loadModel } from '../model/load';
import { resolveModelSettings, resolvePreprocess } from '../model/model-config';
import { saveLayersModel } from '../model/save';
import type { InspectableModel } from '../model/types';
import { DEFAULT_PREPROCESS, scalePixels } from '../image/preprocess';
import { augmentBatch, parseAugment } from '../image/augment';
import { classFolders, decodeImages, permutation, splitFiles, type ImageSet } from './image-folder';
import {
  rotateBatch,
  hsakd,
  adaptHint,
  asdtTeacher,
  attentionTransfer,
  crossEntropy,
  fitnetHint,
  fsp,
  fspMatrix,
  hintonKd,
  vid,
  VID_INIT_A,
  type HintAdapter,
  type VidParams,
} from './losses';
import { buildStudent, parseArch } from './students';
import { HSAKD_TEMPERATURE, ROTATIONS } from './loss-specs';

/** The loss terms the trainer combines so far. */
export const TRAINER_TERMS = ['ce', 'kd', 'at', 'hint', 'fsp', 'vid', 'hsakd'] as const;
/** The terms that compare intermediate features (they need layer pairs). */
const FEATURE_TERMS: readonly string[] = ['at', 'hint', 'fsp', 'vid', 'hsakd'];
export type TrainerTerm = (typeof TRAINER_TERMS)[number];

export interface DistillOptions {
  teachers: string[];
  /** A TF.js layers model.json, or an architecture (students.ts). */
  student: string;
  data: string;
  val?: string;
  valSplit?: number;
  /** Weights of the terms; `kd` with two teachers follows the ASDT schedule. */
  loss: Partial<Record<TrainerTerm, number>>;
  temperature: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  schedule?: { period: number; duty: number };
  /** Augmentations of the training images (the --augment syntax of core/image/augment.ts), drawn per (seed, epoch, batch). */
  augment?: string;
  /** Feature losses' layer pairs, [teacher layer, student layer]; undefined: stage ends paired from the end (stagePairs). */
  pairs?: [string, string][];
  logdir: string;
  runName?: string;
  seed: number;
  resume?: boolean;
  onProgress?: (done: number, total: number) => void;
  onEpoch?: (e: EpochReport) => void;
  signal?: AbortSignal;
}

export interface EpochReport {
  epoch: number;
  trainAccuracy: number;
  valAccuracy: number;
  checkpoint: string;
}

export interface DistillResult {
  student: string;
  epochs: number;
  valAccuracy: number;
  trainAccuracy: number;
  logdir: string;
  terms: string[];
  /** The feature terms' layer pairs, [teacher layer, student layer] (empty without feature terms). */
  pairs: [string, string][];
}

/** The logged names of the terms: ASDT's two teachers' KD terms are kd_t1 and kd_t2. */
export function loggedTerms(loss: DistillOptions['loss'], teachers: number, asdt: boolean): string[] {
  return Object.keys(loss).flatMap((t) => (t === 'kd' && asdt && teachers === 2 ? ['kd_t1', 'kd_t2'] : [t]));
}

/**
 * The last layer of each stage — each run of 4-D outputs at one spatial size — in network order, from the
 * output shapes one forward pass gives (NHWC).
 */
export function stageEnds(layers: { name: string; shape: number[] }[]): string[] {
  const out: string[] = [];
  let last = '';
  for (const l of layers) {
    // A 1×1 map (global pooling kept 4-D) is no feature map.
    if (l.shape.length !== 4 || (l.shape[1] === 1 && l.shape[2] === 1)) continue;
    const size = `${l.shape[1]}x${l.shape[2]}`;
    if (size !== last) out.push(l.name);
    else out[out.length - 1] = l.name;
    last = size;
  }
  return out;
}

/** The default pairs of the feature losses: the teacher's and the student's stage ends, paired from the end. */
export function stagePairs(teacher: string[], student: string[]): [string, string][] {
  const n = Math.min(teacher.length, student.length);
  return Array.from({ length: n }, (_, i) => [teacher[teacher.length - n + i], student[student.length - n + i]] as [string, string]);
}

/** Every layer's output shape from one forward pass of one zero image. */
function tapShapes(model: InspectableModel, shape: [number, number, number]): { name: string; shape: number[] }[] {
  const names = model.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name);
  return tf.tidy(() => {
    const { taps } = model.forward(tf.zeros([1, ...shape]), { taps: names, outputs: false });
    return names.map((name, i) => ({ name, shape: taps[i].shape }));
  });
}

const epochDir = (run: string, epoch: number) => path.join(run, 'checkpoints', `epoch-${String(epoch).padStart(3, '0')}`);

/** Loads a TF.js layers model from its model.json (a student file or a checkpoint). */
async function loadLayers(file: string): Promise<tfl.LayersModel> {
  const { kind, artifacts } = readModelArtifacts(file);
  if (kind !== 'layers') throw new InputError(`${file}: the student must be a TF.js layers model (this is a graph model, which cannot be trained)`);
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}

/** The optimiser's state as TF.js names it, written beside a checkpoint's model.json. */
async function saveOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(weights);
  // The optimiser's slots are its own variables; the iteration count is a tensor made for the call.
  for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  fs.writeFileSync(path.join(dir, 'optimizer.bin'), Buffer.from(data as ArrayBuffer));
  fs.writeFileSync(path.join(dir, 'optimizer.json'), JSON.stringify(specs));
}

async function loadOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const specs = JSON.parse(fs.readFileSync(path.join(dir, 'optimizer.json'), 'utf8')) as tf.io.WeightsManifestEntry[];
  const buf = fs.readFileSync(path.join(dir, 'optimizer.bin'));
  const map = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length), specs);
  await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name] })));
  // setWeights copies them into variables of its own.
  tf.dispose(Object.values(map));
}

/** Teacher logits for every image, in batches (the cache: no augmentation, so one pass per teacher). */
function teacherLogits(teacher: InspectableModel, set: ImageSet, batch: number): Float32Array {
  const [h, w, c] = set.shape;
  const per = h * w * c;
  const n = set.labels.length;
  let k = 0;
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(set.x.subarray(start * per, (start + count) * per), [count, h, w, c]);
      return tf.reshape(teacher.forward(x, { logits: true }).outputs[0], [count, -1]);
    });
    k = out.shape[1] as number;
    parts.push(out.dataSync() as Float32Array);
    out.dispose();
  }
  const all = new Float32Array(n * k);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

/** Top-1 accuracy of the student on a set, in batches. */
function accuracy(student: tfl.LayersModel, set: ImageSet, batch: number): number {
  const [h, w, c] = set.shape;
  const per = h * w * c;
  let correct = 0;
  for (let start = 0; start < set.labels.length; start += batch) {
    const count = Math.min(batch, set.labels.length - start);
    const pred = tf.tidy(() =>
      tf
        .argMax(student.apply(tf.tensor4d(set.x.subarray(start * per, (start + count) * per), [count, h, w, c]), { training: false }) as tf.Tensor, 1)
        .dataSync(),
    );
    for (let i = 0; i < count; i++) if (pred[i] === set.labels[start + i]) correct++;
  }
  return set.labels.length ? correct / set.labels.length : 0;
}

export async function distill(o: DistillOptions): Promise<DistillResult> {
  const terms = Object.keys(o.loss) as TrainerTerm[];
  for (const t of terms)
    if (!(TRAINER_TERMS as readonly string[]).includes(t))
      throw new InputError(`--loss: "${t}" is not a trainer term yet (the trainer combines ${TRAINER_TERMS.join(', ')})`);
  if (terms.length === 0) throw new InputError('--loss names no term');
  if (terms.includes('kd') && o.teachers.length === 0) throw new InputError('the kd term needs --teacher');
  if (o.teachers.length > 2)
    throw new InputError(`--teacher is given ${o.teachers.length} times; the trainer takes one, or two with --schedule asdt:PERIOD:DUTY`);
  if (terms.includes('hsakd') && terms.length > 1)
    throw new InputError('hsakd is a whole loss (its own cross-entropy and KD over the rotated views): use --loss hsakd alone');
  if (terms.includes('hsakd') && o.teachers.length !== 1) throw new InputError('hsakd needs one --teacher');
  if (o.teachers.length === 2 && !o.schedule) throw new InputError('two teachers need --schedule asdt:PERIOD:DUTY (which one teaches at each step)');
  const asdt = o.teachers.length === 2 && !!o.schedule;

  const teachers: InspectableModel[] = [];
  for (const t of o.teachers) teachers.push(await loadModel(t));
  // Images are decoded as the first teacher takes them (or as the student file's settings say, without a teacher).
  const studentFile = parseArch(o.student) ? undefined : o.student;
  if (studentFile && !fs.existsSync(studentFile))
    throw new InputError(`${studentFile}: file not found (--student is a model.json or an architecture: cnn[:WIDTH], mobilenetv2[:ALPHA])`);
  const inputShape = teachers[0]?.inputs[0].shape ?? (studentFile ? (await loadModel(studentFile)).inputs[0].shape : undefined);
  if (!inputShape) throw new InputError('without a teacher, --student must be a model file (its input size sets the images’ size)');
  const preprocess = teachers[0] ? resolvePreprocess(teachers[0], resolveModelSettings(teachers[0].path)).spec : DEFAULT_PREPROCESS;

  const folders = classFolders(o.data);
  // The class index is the teacher's: when its labels name the same classes as the folders, a folder's
  // class is its label's index (the folders sort by name, the teacher's classes need not); otherwise the
  // folders' name order, as torchvision's ImageFolder numbers them.
  const teacherLabels = teachers[0] ? resolveModelSettings(teachers[0].path).labels : undefined;
  const aligned =
    teacherLabels && teacherLabels.length === folders.classes.length && folders.classes.every((c) => teacherLabels.includes(c)) ? teacherLabels : undefined;
  const relabel = (list: { file: string; label: number }[], names: string[]) =>
    aligned ? list.map((f) => ({ file: f.file, label: aligned.indexOf(names[f.label]) })) : list;
  const classes = aligned ?? folders.classes;
  const files = relabel(folders.files, folders.classes);
  let trainFiles = files;
  let valFiles: typeof files = [];
  if (o.val) {
    const v = classFolders(o.val);
    if ([...v.classes].sort().join('\n') !== [...folders.classes].sort().join('\n'))
      throw new InputError(`${o.val}: its class folders (${v.classes.join(', ')}) differ from ${o.data}'s (${folders.classes.join(', ')})`);
    valFiles = relabel(v.files, v.classes);
  } else if (o.valSplit !== undefined) ({ train: trainFiles, val: valFiles } = splitFiles(files, o.valSplit, o.seed));
  const augmentOps = o.augment ? parseAugment(o.augment) : undefined;
  const train = await decodeImages(trainFiles, classes, inputShape, preprocess, o.signal, !!augmentOps);
  const val = await decodeImages(valFiles, classes, inputShape, preprocess, o.signal);
  for (const t of teachers) {
    const units = t.outputs[0].shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
    if (units !== classes.length) throw new InputError(`${t.path}: ${units} output units for ${classes.length} classes in ${o.data}`);
  }
  // Without augmentation each image's teacher logits are computed once; with it, per batch on the augmented views.
  const cache = augmentOps ? [] : teachers.map((t) => teacherLogits(t, train, o.batchSize));

  const runName = o.runName ?? (studentFile ? path.basename(path.dirname(studentFile)) : o.student.replace(/[^a-z0-9.]+/gi, '-'));
  const run = path.join(o.logdir, runName);
  fs.mkdirSync(run, { recursive: true });
  let student = studentFile ? await loadLayers(studentFile) : buildStudent(o.student, train.shape, classes.length, o.seed);
  const optimizer = o.optimizer === 'sgd' ? tf.train.momentum(o.lr, 0.9) : tf.train.adam(o.lr);
  let startEpoch = 0;
  const csvFile = path.join(run, 'metrics.csv');
  if (o.resume) {
    const done = fs.existsSync(path.join(run, 'checkpoints'))
      ? fs
          .readdirSync(path.join(run, 'checkpoints'))
          .filter((d) => /^epoch-\d{3}$/.test(d) && fs.existsSync(path.join(run, 'checkpoints', d, 'optimizer.json')))
          .sort()
      : [];
    if (done.length === 0) throw new InputError(`${run}: no checkpoint to resume from`);
    startEpoch = Number(done.at(-1)!.slice(6));
    const dir = epochDir(run, startEpoch);
    student.dispose();
    student = await loadLayers(path.join(dir, 'model.json'));
    // The optimiser's slots are matched to the variables by order, which a reloaded model keeps.
    await loadOptimizer(optimizer, dir);
  }
  // metrics.csv: one row per logged step, a column per tag (sparse rows as Lightning writes them).
  const logged = loggedTerms(o.loss, teachers.length, asdt);
  const columns = ['step', 'epoch', 'loss/total', ...logged.map((t) => `loss/${t}`), 'lr', 'accuracy/train', 'accuracy/val'];
  const batches = Math.ceil(train.labels.length / o.batchSize);
  const firstStep = startEpoch * batches;
  // Feature terms: the layer pairs, and the student with those layers as extra outputs (the same weights).
  const featureTerms = terms.filter((t) => FEATURE_TERMS.includes(t));
  let pairs: [string, string][] = [];
  if (featureTerms.length) {
    if (!teachers[0]) throw new InputError(`the ${featureTerms.join(', ')} term needs --teacher`);
    const studentInfo = new LayersInspectableModel('student', student);
    pairs =
      o.pairs ??
      stagePairs(
        stageEnds(tapShapes(teachers[0], train.shape)),
        stageEnds(studentInfo.layers.filter((l) => l.outputShape.length === 4).map((l) => ({ name: l.name, shape: l.outputShape.map((d) => d ?? 1) }))),
      );
    if (pairs.length === 0) throw new InputError('the feature terms found no pair of 4-D layers; name them with --pairs TEACHER_LAYER:STUDENT_LAYER');
    for (const [t, st] of pairs) {
      if (!teachers[0].layers.some((l) => l.name === t)) throw new InputError(`--pairs: the teacher has no layer "${t}"`);
      if (!studentInfo.layers.some((l) => l.name === st)) throw new InputError(`--pairs: the student has no layer "${st}"`);
    }
  }
  const withFeatures = pairs.length
    ? tfl.model({ inputs: student.inputs, outputs: [student.outputs[0], ...pairs.map(([, st]) => student.getLayer(st).output as tfl.SymbolicTensor)] })
    : undefined;

  // The learned parts of the feature terms (FitNet's adaptation layers, VID's regressors): seeded, trained
  // with the student, saved beside each checkpoint and restored on --resume.
  const aux: tf.Variable[] = [];
  const hints: { adapter: HintAdapter; stride: 1 | 2 }[] = [];
  const vids: { params: VidParams; pool: number }[] = [];
  if (terms.includes('hint') || terms.includes('vid') || terms.includes('fsp')) {
    const shapes = tf.tidy(() => {
      const x1 = tf.zeros([1, ...train.shape]);
      const t = teachers[0].forward(x1, { taps: pairs.map(([name]) => name), outputs: false }).taps.map((f) => f.shape);
      const st = (withFeatures!.apply(x1, { training: false }) as tf.Tensor[]).slice(1).map((f) => f.shape);
      return { t, st };
    });
    let seed = o.seed * 7919 + 1;
    const variable = (shape: number[], std: number, name: string) => {
      const v = tf.variable(tf.randomNormal(shape, 0, std, 'float32', seed++), true, `distill_${name}_${seed}`);
      aux.push(v);
      return v;
    };
    const constant = (shape: number[], value: number, name: string) => {
      const v = tf.variable(tf.fill(shape, value), true, `distill_${name}_${seed++}`);
      aux.push(v);
      return v;
    };
    pairs.forEach(([tName, sName], i) => {
      const [, th, , tc] = shapes.t[i];
      const [, sh, , sc] = shapes.st[i];
      if (terms.includes('hint') || terms.includes('vid')) {
        const factor = sh / th;
        if (factor !== 1 && factor !== 2)
          throw new InputError(
            `hint/vid: the student's ${sName} (${sh}×${sh}) must be the size of the teacher's ${tName} (${th}×${th}) or twice it; choose other --pairs`,
          );
        if (terms.includes('hint'))
          hints.push({
            adapter: {
              kernel: variable([1, 1, sc, tc], Math.sqrt(2 / sc), 'hint') as tf.Tensor4D,
              gamma: constant([tc], 1, 'gamma') as tf.Tensor1D,
              beta: constant([tc], 0, 'beta') as tf.Tensor1D,
            },
            stride: factor as 1 | 2,
          });
        if (terms.includes('vid'))
          vids.push({
            params: {
              w1: variable([1, 1, sc, tc], Math.sqrt(2 / sc), 'vid1') as tf.Tensor4D,
              w2: variable([1, 1, tc, tc], Math.sqrt(2 / tc), 'vid2') as tf.Tensor4D,
              w3: variable([1, 1, tc, tc], Math.sqrt(1 / tc), 'vid3') as tf.Tensor4D,
              a: constant([tc], VID_INIT_A, 'vida') as tf.Tensor1D,
            },
            pool: factor,
          });
      }
    });
    if (terms.includes('fsp')) {
      if (pairs.length < 2) throw new InputError('fsp needs two or more layer pairs (it compares the flow between consecutive layers)');
      for (let i = 0; i + 1 < pairs.length; i++)
        if (shapes.t[i][3] !== shapes.st[i][3] || shapes.t[i + 1][3] !== shapes.st[i + 1][3])
          throw new InputError(
            `fsp: the student's layers ${pairs[i][1]}, ${pairs[i + 1][1]} have ${shapes.st[i][3]}, ${shapes.st[i + 1][3]} channels and the teacher's ${pairs[i][0]}, ${pairs[i + 1][0]} ${shapes.t[i][3]}, ${shapes.t[i + 1][3]}: FSP matrices need equal channels`,
          );
    }
  }
  // HSAKD's auxiliary classifiers — pooled feature → 4K joint (class × rotation) logits — on each paired layer:
  // the teacher's trained first with the teacher frozen (kept in `frozen`), the student's with the student.
  const frozen: tf.Variable[] = [];
  const heads = { teacher: [] as { w: tf.Variable; b: tf.Variable }[], student: [] as { w: tf.Variable; b: tf.Variable }[] };
  if (terms.includes('hsakd')) {
    const units = ROTATIONS * classes.length;
    const shapes = tf.tidy(() => {
      const x1 = tf.zeros([1, ...train.shape]);
      const t = teachers[0].forward(x1, { taps: pairs.map(([name]) => name), outputs: false }).taps.map((f) => f.shape[3]);
      const st = (withFeatures!.apply(x1, { training: false }) as tf.Tensor[]).slice(1).map((f) => f.shape[3]);
      return { t, st };
    });
    let seed = o.seed * 7919 + 5003;
    const head = (channels: number, into: tf.Variable[], name: string) => {
      const w = tf.variable(tf.randomNormal([channels, units], 0, Math.sqrt(1 / channels), 'float32', seed++), true, `distill_${name}_w_${seed}`);
      const b = tf.variable(tf.zeros([units]), true, `distill_${name}_b_${seed}`);
      into.push(w, b);
      return { w, b };
    };
    heads.teacher = shapes.t.map((ch) => head(ch!, frozen, 'hsakd_teacher'));
    heads.student = shapes.st.map((ch) => head(ch!, aux, 'hsakd_student'));
  }
  const applyHead = (f: tf.Tensor, hd: { w: tf.Variable; b: tf.Variable }) => tf.add(tf.matMul(tf.mean(f, [1, 2]) as tf.Tensor2D, hd.w), hd.b) as tf.Tensor2D;
  const auxFile = (dir: string) => path.join(dir, 'distill-aux.json');
  const saveAux = async (dir: string) => {
    const all = [...aux, ...frozen];
    if (!all.length) return;
    const { data, specs } = await tf.io.encodeWeights(all.map((v, i) => ({ name: String(i), tensor: v })));
    fs.writeFileSync(path.join(dir, 'distill-aux.bin'), Buffer.from(data as ArrayBuffer));
    fs.writeFileSync(auxFile(dir), JSON.stringify(specs));
  };
  if (o.resume && aux.length + frozen.length) {
    const dir = epochDir(run, startEpoch);
    if (!fs.existsSync(auxFile(dir)))
      throw new InputError(`${dir}: the checkpoint has no state of the feature terms (distill-aux.json); was it made with other --loss terms?`);
    const specs = JSON.parse(fs.readFileSync(auxFile(dir), 'utf8')) as tf.io.WeightsManifestEntry[];
    const buf = fs.readFileSync(path.join(dir, 'distill-aux.bin'));
    const map = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length), specs);
    if (specs.length !== aux.length + frozen.length)
      throw new InputError(`${dir}: the checkpoint's feature-term state does not fit these --loss terms and pairs`);
    [...aux, ...frozen].forEach((v, i) => v.assign(map[String(i)]));
    tf.dispose(Object.values(map));
  }

  // Resuming keeps the metrics of the epochs the checkpoint holds and drops what came after it.
  if (o.resume && fs.existsSync(csvFile)) {
    const keep = fs
      .readFileSync(csvFile, 'utf8')
      .split('\n')
      .filter((l, i) => i === 0 || (l && Number(l.split(',')[0]) < firstStep));
    fs.writeFileSync(csvFile, keep.join('\n') + '\n');
  } else fs.writeFileSync(csvFile, columns.join(',') + '\n');
  const events = new EventFileWriter(path.join(run, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.model-lens.${process.pid}.${startEpoch}`));
  const log = (step: number, epoch: number, values: Record<string, number>) => {
    events.add(step, values);
    const row: Record<string, number> = { step, epoch, ...values };
    fs.appendFileSync(csvFile, columns.map((c) => (c in row ? String(row[c]) : '')).join(',') + '\n');
  };

  // HSAKD, first stage: the teacher's auxiliary heads learn the joint labels on the rotated views, the teacher frozen.
  if (heads.teacher.length && !o.resume) {
    const headOptimizer = tf.train.adam(o.lr);
    const n = train.labels.length;
    const [h, w, c] = train.shape;
    const per = h * w * c;
    try {
      for (let epoch = 0; epoch < o.epochs; epoch++) {
        const order = permutation(n, o.seed * 1000 + epoch + 500_000);
        for (let start = 0; start < n; start += o.batchSize) {
          throwIfAborted(o.signal);
          const idx = order.slice(start, start + o.batchSize);
          const xb = new Float32Array(idx.length * per);
          idx.forEach((i, j) => xb.set(train.x.subarray(i * per, (i + 1) * per), j * per));
          tf.tidy(() => {
            const { x: x4, joint } = rotateBatch(
              tf.tensor4d(xb, [idx.length, h, w, c]),
              tf.tensor1d(
                Int32Array.from(idx, (i) => train.labels[i]),
                'int32',
              ),
            );
            const feats = teachers[0].forward(x4, { taps: pairs.map(([t]) => t), outputs: false }).taps;
            headOptimizer.minimize(() => tf.addN(feats.map((f, i) => crossEntropy(applyHead(f, heads.teacher[i]), joint!))) as tf.Scalar, false, frozen);
          });
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      headOptimizer.dispose();
    }
  }

  // Epoch 0: the weights before training (what knowledge --checkpoints measures from).
  if (!o.resume) {
    const dir0 = epochDir(run, 0);
    await saveLayersModel(student, dir0);
    await saveOptimizer(optimizer, dir0);
    await saveAux(dir0);
    fs.writeFileSync(path.join(dir0, 'classes.json'), JSON.stringify(classes) + '\n');
  }
  try {
    return await trainEpochs();
  } finally {
    // Cancelled or failed too: nothing of the run stays in memory (its checkpoints and logs stay on disk).
    student.dispose();
    optimizer.dispose();
    tf.dispose([...aux, ...frozen]);
  }

  async function trainEpochs(): Promise<DistillResult> {
    const vars = [...student.trainableWeights.map((w) => w.read() as tf.Variable), ...aux];
    const [h, w, c] = train.shape;
    const per = h * w * c;
    const k = classes.length;
    let trainAcc = 0;
    let valAcc = 0;
    const total = (o.epochs - startEpoch) * batches;
    for (let epoch = startEpoch; epoch < o.epochs; epoch++) {
      const order = permutation(train.labels.length, o.seed * 1000 + epoch);
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        throwIfAborted(o.signal);
        const step = epoch * batches + b;
        const idx = order.slice(b * o.batchSize, (b + 1) * o.batchSize);
        const xb = new Float32Array(idx.length * per);
        if (augmentOps) {
          const rawPer = h * w * 3;
          const rb = new Float32Array(idx.length * rawPer);
          idx.forEach((i, j) => rb.set(train.raw!.subarray(i * rawPer, (i + 1) * rawPer), j * rawPer));
          const seed = o.seed * 1_000_003 + epoch * 10_007 + b + 1;
          const views = tf.tidy(() =>
            scalePixels(
              tf.mul(
                tf.clipByValue(augmentBatch(tf.div(tf.tensor4d(rb, [idx.length, h, w, 3]), 255) as tf.Tensor4D, augmentOps, seed), 0, 1),
                255,
              ) as tf.Tensor4D,
              c,
              preprocess,
            ),
          );
          xb.set(views.dataSync());
          views.dispose();
        } else idx.forEach((i, j) => xb.set(train.x.subarray(i * per, (i + 1) * per), j * per));
        const yb = Int32Array.from(idx, (i) => train.labels[i]);
        const values: Record<string, number> = {};
        tf.tidy(() => {
          const x = tf.tensor4d(xb, [idx.length, h, w, c]);
          const y = tf.tensor1d(yb, 'int32');
          const hsakdMode = heads.student.length > 0;
          const xIn = hsakdMode ? rotateBatch(x).x : x;
          const hsakdTeacher = hsakdMode ? teachers[0].forward(xIn, { logits: true, taps: pairs.map(([t]) => t) }) : undefined;
          const teacherBatch = hsakdMode
            ? [tf.reshape(hsakdTeacher!.outputs[0], [ROTATIONS * idx.length, k]) as tf.Tensor2D]
            : augmentOps
              ? teachers.map((t) => tf.reshape(t.forward(x, { logits: true }).outputs[0], [idx.length, k]) as tf.Tensor2D)
              : cache.map((all) => tf.tensor2d(Float32Array.from(idx.flatMap((i) => Array.from(all.subarray(i * k, (i + 1) * k)))), [idx.length, k]));
          // The teacher's features of the batch (no gradient; computed per batch, not cached).
          const teacherFeatures = hsakdMode
            ? hsakdTeacher!.taps
            : pairs.length
              ? teachers[0].forward(x, { taps: pairs.map(([t]) => t), outputs: false }).taps
              : [];
          const kept: Record<string, tf.Scalar> = {};
          let logits: tf.Tensor | undefined;
          const lossValue = optimizer.minimize(
            () => {
              const outs = withFeatures ? (withFeatures.apply(xIn, { training: true }) as tf.Tensor[]) : [student.apply(xIn, { training: true }) as tf.Tensor];
              // The un-rotated rows (the first B of the rotation-major batch) are the predictions.
              logits = tf.keep((hsakdMode ? tf.slice(outs[0], [0, 0], [idx.length, -1]) : outs[0]) as tf.Tensor2D);
              const studentFeatures = outs.slice(1) as tf.Tensor4D[];
              const parts: tf.Scalar[] = [];
              const add = (name: string, weight: number, v: tf.Scalar) => {
                const weighted = tf.mul(weight, v) as tf.Scalar;
                kept[name] = tf.keep(weighted.clone());
                parts.push(weighted);
              };
              for (const t of terms) {
                const weight = o.loss[t]!;
                if (t === 'ce') add('ce', weight, crossEntropy(logits as tf.Tensor2D, y));
                else if (t === 'hsakd')
                  add(
                    'hsakd',
                    weight,
                    hsakd(
                      {
                        student: outs[0] as tf.Tensor2D,
                        teacher: teacherBatch[0],
                        studentAux: studentFeatures.map((f, i) => applyHead(f, heads.student[i])),
                        teacherAux: (teacherFeatures as tf.Tensor[]).map((f, i) => applyHead(f, heads.teacher[i])),
                        labels: y,
                      },
                      HSAKD_TEMPERATURE,
                    ).total,
                  );
                else if (t === 'at') add('at', weight, attentionTransfer(studentFeatures.map((f, i) => [f, teacherFeatures[i] as tf.Tensor4D])));
                else if (t === 'hint')
                  add(
                    'hint',
                    weight,
                    tf.div(
                      tf.addN(hints.map((h, i) => fitnetHint(adaptHint(studentFeatures[i], h.adapter, h.stride), teacherFeatures[i] as tf.Tensor4D))),
                      hints.length,
                    ) as tf.Scalar,
                  );
                else if (t === 'vid')
                  add(
                    'vid',
                    weight,
                    tf.div(
                      tf.addN(
                        vids.map((v, i) => {
                          const f = v.pool === 2 ? (tf.avgPool(studentFeatures[i], 2, 2, 'valid') as tf.Tensor4D) : studentFeatures[i];
                          return vid(f, teacherFeatures[i] as tf.Tensor4D, v.params);
                        }),
                      ),
                      vids.length,
                    ) as tf.Scalar,
                  );
                else if (t === 'fsp') {
                  const g = (f: tf.Tensor[]) => f.slice(0, -1).map((a, i) => fspMatrix(a as tf.Tensor4D, f[i + 1] as tf.Tensor4D));
                  const gs = g(studentFeatures);
                  const gt = g(teacherFeatures);
                  add('fsp', weight, fsp(gs.map((a, i) => [a, gt[i]])));
                } else if (asdt) {
                  const on = asdtTeacher(step, o.schedule!.period, o.schedule!.duty);
                  // Both terms logged; the one off is 0 and adds nothing.
                  add('kd_t1', on === 1 ? weight : 0, hintonKd(logits as tf.Tensor2D, teacherBatch[0], o.temperature));
                  add('kd_t2', on === 2 ? weight : 0, hintonKd(logits as tf.Tensor2D, teacherBatch[1], o.temperature));
                } else add('kd', weight, hintonKd(logits as tf.Tensor2D, teacherBatch[0], o.temperature));
              }
              return tf.addN(parts) as tf.Scalar;
            },
            true,
            vars,
          );
          values['loss/total'] = lossValue!.dataSync()[0];
          for (const [name, v] of Object.entries(kept)) values[`loss/${name}`] = v.dataSync()[0];
          const pred = tf.argMax(logits!, 1).dataSync();
          for (let j = 0; j < idx.length; j++) if (pred[j] === yb[j]) correct++;
          tf.dispose([...Object.values(kept), logits!]);
        });
        values.lr = o.lr;
        log(step, epoch, values);
        o.onProgress?.(step - firstStep + 1, total);
        if (b % 4 === 3) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      trainAcc = correct / train.labels.length;
      valAcc = val.labels.length ? accuracy(student, val, o.batchSize) : NaN;
      log((epoch + 1) * batches - 1, epoch, { 'accuracy/train': trainAcc, ...(val.labels.length ? { 'accuracy/val': valAcc } : {}) });
      const dir = epochDir(run, epoch + 1);
      await saveLayersModel(student, dir);
      await saveOptimizer(optimizer, dir);
      await saveAux(dir);
      fs.writeFileSync(path.join(dir, 'classes.json'), JSON.stringify(classes) + '\n');
      o.onEpoch?.({ epoch: epoch + 1, trainAccuracy: trainAcc, valAccuracy: valAcc, checkpoint: path.join(dir, 'model.json') });
    }
    const final = await saveLayersModel(student, run);
    fs.writeFileSync(path.join(run, 'classes.json'), JSON.stringify(classes) + '\n');
    return { student: final, epochs: o.epochs, valAccuracy: valAcc, trainAccuracy: trainAcc, logdir: run, terms: logged, pairs };
  }
}

/**
 * Teacher-assistant chains (TAKD, Mirzadeh et al. 2020): teacher → assistant 1 → … → student, each step
 * ordinary distillation from the model the previous step trained, each its own run
 * (`<run name>-ta1`, `-ta2`, …, then `<run name>`). With `resume`, a step whose final model exists is
 * taken as it is and the first unfinished step continues from its last checkpoint.
 */
export async function distillChain(o: DistillOptions, assistants: string[]): Promise<DistillResult & { chain: string[] }> {
  if (!assistants.length) return { ...(await distill(o)), chain: [] };
  if (o.teachers.length !== 1) throw new InputError('--assistant chains start from one --teacher (not two: ASDT and TAKD do not combine)');
  if (o.pairs) throw new InputError('--pairs names the layers of one teacher and one student; a chain pairs each step by its stage ends (leave --pairs out)');
  const base = o.runName ?? (parseArch(o.student) ? o.student.replace(/[^a-z0-9.]+/gi, '-') : path.basename(path.dirname(o.student)));
  const chain: string[] = [];
  let teacher = o.teachers[0];
  const steps = [...assistants.map((a, i) => ({ student: a, runName: `${base}-ta${i + 1}` })), { student: o.student, runName: base }];
  let last: DistillResult | undefined;
  for (const [i, step] of steps.entries()) {
    const run = path.join(o.logdir, step.runName);
    const finished = path.join(run, 'model.json');
    const isLast = i === steps.length - 1;
    if (o.resume && !isLast && fs.existsSync(finished)) {
      chain.push(finished);
      teacher = finished;
      continue;
    }
    const hasCheckpoint = fs.existsSync(path.join(run, 'checkpoints', 'epoch-000', 'optimizer.json'));
    last = await distill({ ...o, teachers: [teacher], student: step.student, runName: step.runName, resume: !!o.resume && hasCheckpoint });
    chain.push(last.student);
    teacher = last.student;
  }
  return { ...last!, chain };
}
