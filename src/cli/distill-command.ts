// `model-lens distill --teacher MODEL --student MODEL|ARCH --data DIR`: trains a student from a teacher
// (core/distill/trainer.ts) and prints, with --json, one object at the end.
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { distillChain, TRAINER_TERMS, type DistillOptions, type TrainerTerm } from '../core/distill/trainer';
import { intOption, numberOption, parse } from './args';
import { progressReporter } from './knowledge-command';

export const DISTILL_OPTIONS = {
  teacher: { type: 'string', multiple: true },
  student: { type: 'string' },
  data: { type: 'string' },
  val: { type: 'string' },
  'val-split': { type: 'string' },
  loss: { type: 'string' },
  temperature: { type: 'string' },
  alpha: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  assistant: { type: 'string', multiple: true },
  schedule: { type: 'string' },
  pairs: { type: 'string' },
  augment: { type: 'string' },
  logdir: { type: 'string' },
  'run-name': { type: 'string' },
  seed: { type: 'string' },
  resume: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  backend: { type: 'string' },
} as const;

/** `--loss ce:0.3,kd:0.7` → weights by term; every term named once, every weight a finite number. */
export function parseLoss(spec: string): Partial<Record<TrainerTerm, number>> {
  const out: Partial<Record<TrainerTerm, number>> = {};
  for (const part of spec.split(',')) {
    const m = /^\s*([a-z_0-9]+)\s*(?::\s*([-+0-9.e]+))?\s*$/i.exec(part);
    if (!m) throw new InputError(`--loss ${spec}: "${part}" is not NAME or NAME:WEIGHT`);
    const name = m[1] as TrainerTerm;
    if (!(TRAINER_TERMS as readonly string[]).includes(name))
      throw new InputError(`--loss: "${name}" is not a trainer term yet (the trainer combines ${TRAINER_TERMS.join(', ')})`);
    const weight = m[2] === undefined ? 1 : Number(m[2]);
    if (!Number.isFinite(weight) || weight < 0) throw new InputError(`--loss: the weight of ${name} must be a number ≥ 0 (got "${m[2]}")`);
    if (name in out) throw new InputError(`--loss: ${name} is named twice`);
    out[name] = weight;
  }
  return out;
}

/** `--pairs T:S,…` → [teacher layer, student layer] pairs (each split at its last colon: a student layer name has none). */
export function parsePairs(spec: string): [string, string][] {
  return spec.split(',').map((part) => {
    const at = part.lastIndexOf(':');
    if (at <= 0 || at === part.length - 1) throw new InputError(`--pairs ${spec}: "${part}" is not TEACHER_LAYER:STUDENT_LAYER`);
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });
}

/** `asdt:PERIOD:DUTY` → the ASDT schedule (PERIOD steps ≥ 1, DUTY in (0, 1)). */
export function parseSchedule(spec: string): { period: number; duty: number } {
  const m = /^asdt:(\d+):([0-9.]+)$/.exec(spec);
  const period = m ? Number(m[1]) : NaN;
  const duty = m ? Number(m[2]) : NaN;
  if (!m || period < 1 || !(duty > 0 && duty < 1))
    throw new InputError(`--schedule ${spec}: expected asdt:PERIOD:DUTY (PERIOD steps ≥ 1, DUTY between 0 and 1)`);
  return { period, duty };
}

export async function distillCommand(args: string[], stdout: (s: string) => void, stderr: (s: string) => void = () => {}): Promise<number> {
  const { values: v, positionals } = parse(args, DISTILL_OPTIONS);
  if (positionals.length) throw new InputError(`distill takes no positional arguments (got "${positionals[0]}"); see model-lens --help`);
  const teachers = (v.teacher as string[] | undefined) ?? [];
  const student = v.student as string | undefined;
  const data = v.data as string | undefined;
  if (!student) throw new InputError('distill needs --student MODEL|ARCH (a TF.js layers model.json, cnn[:WIDTH] or mobilenetv2[:ALPHA])');
  if (!data) throw new InputError('distill needs --data DIR (one sub-folder of images per class)');
  if (v.loss !== undefined && v.alpha !== undefined) throw new InputError('--alpha A means --loss ce:A,kd:1−A: give one or the other');
  const alpha = numberOption(v.alpha as string | undefined, 'alpha', 0, 1);
  const loss = v.loss !== undefined ? parseLoss(v.loss as string) : teachers.length ? { ce: alpha ?? 0.5, kd: 1 - (alpha ?? 0.5) } : { ce: 1 };
  const optimizer = (v.optimizer as string | undefined) ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new InputError(`--optimizer must be adam or sgd (got "${optimizer}")`);
  const backendArg = v.backend as string | undefined;
  if (backendArg !== undefined && !isBackendName(backendArg)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backendArg}")`);
  const opts: DistillOptions = {
    teachers,
    student,
    data,
    val: v.val as string | undefined,
    valSplit: numberOption(v['val-split'] as string | undefined, 'val-split', 0, 1),
    loss,
    temperature: numberOption(v.temperature as string | undefined, 'temperature', 1e-6) ?? 4,
    epochs: intOption(v.epochs as string | undefined, 'epochs') ?? 10,
    batchSize: intOption(v['batch-size'] as string | undefined, 'batch-size') ?? 32,
    lr: numberOption(v.lr as string | undefined, 'lr', 1e-12) ?? 1e-3,
    optimizer,
    schedule: v.schedule !== undefined ? parseSchedule(v.schedule as string) : undefined,
    pairs: v.pairs !== undefined ? parsePairs(v.pairs as string) : undefined,
    augment: v.augment as string | undefined,
    logdir: (v.logdir as string | undefined) ?? 'runs',
    runName: v['run-name'] as string | undefined,
    seed: intOption(v.seed as string | undefined, 'seed', 0) ?? 0,
    resume: v.resume as boolean,
    onProgress: progressReporter('model-lens distill', stderr),
    onEpoch: v.json
      ? undefined
      : (e) =>
          stdout(
            `epoch ${e.epoch}: train accuracy ${e.trainAccuracy.toFixed(3)}, validation ${Number.isNaN(e.valAccuracy) ? '—' : e.valAccuracy.toFixed(3)} · ${e.checkpoint}`,
          ),
  };
  await initEngine({ backend: backendArg as never });
  const r = await distillChain(opts, (v.assistant as string[] | undefined) ?? []);
  if (v.json) stdout(JSON.stringify({ ...r, valAccuracy: Number.isNaN(r.valAccuracy) ? null : r.valAccuracy }));
  else if (r.chain.length) stdout(`chain: ${r.chain.join(' → ')}`);
  else {
    if (r.pairs.length) stdout(`feature layer pairs (teacher : student): ${r.pairs.map(([t, st]) => `${t} : ${st}`).join(', ')}`);
    stdout(`student: ${r.student} (logs in ${r.logdir}: ${r.terms.map((t) => `loss/${t}`).join(', ')}, loss/total, lr, accuracy/train, accuracy/val)`);
  }
  return 0;
}
