/** Messages between the "Distil a Student" form and its host-side controller (types and the validator only). */
import type { DistillEpochMessage, DistillResultMessage } from '../../protocol/worker';
import { LOSS_NAMES } from '../../core/distill/loss-specs';
import { isObj } from '../shared/validate';

/** The student architectures the form offers, and "a model file". */
export const FORM_STUDENTS = ['cnn', 'mobilenetv2', 'file'] as const;
export type FormStudent = (typeof FORM_STUDENTS)[number];

/** What the form sets (paths are picked through the host's dialogs and kept by the host). */
export interface DistillSettings {
  student: FormStudent;
  /** cnn's WIDTH or mobilenetv2's ALPHA. */
  width: number;
  /** Enabled terms and their weights. */
  loss: Record<string, number>;
  temperature: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  valSplit: number;
  /** ASDT, with a second teacher. */
  period: number;
  duty: number;
  seed: number;
  runName: string;
}

/** What a new form starts with (pure, so the form's tests take the same defaults). */
export function defaultDistillSettings(): DistillSettings {
  return {
    student: 'cnn',
    width: 0.5,
    loss: { ce: 0.5, kd: 0.5 },
    temperature: 4,
    epochs: 5,
    batchSize: 32,
    lr: 0.001,
    optimizer: 'adam',
    valSplit: 0.2,
    period: 100,
    duty: 0.5,
    seed: 0,
    runName: '',
  };
}

export interface DistillFormState {
  teacher?: string;
  teacher2?: string;
  studentFile?: string;
  data?: string;
  logdir?: string;
  settings: DistillSettings;
}

export type PickWhat = 'teacher' | 'teacher2' | 'studentFile' | 'data' | 'logdir';

export type ToDistillWebview =
  | { type: 'init'; state: DistillFormState; terms: { name: string; title: string; paper: string }[] }
  | { type: 'state'; state: DistillFormState }
  | { type: 'started'; run: string }
  | { type: 'epoch'; epoch: DistillEpochMessage; epochs: number }
  | { type: 'done'; result: DistillResultMessage }
  | { type: 'busy'; running: boolean; what: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; message: string }
  | { type: 'cancelled'; what: string };

export type FromDistillWebview =
  | { type: 'ready' }
  | { type: 'pick'; what: PickWhat }
  | { type: 'clear'; what: 'teacher2' }
  | { type: 'start'; settings: DistillSettings }
  | { type: 'cancel' }
  | { type: 'openStudent' }
  | { type: 'compare' };

const num = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const int = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && num(v, lo, hi);

/** One sentence per problem of the settings (empty: valid). Shared by the form (field errors) and the host. */
export function settingsProblems(s: DistillSettings): string[] {
  const out: string[] = [];
  if (!(FORM_STUDENTS as readonly string[]).includes(s.student)) out.push('Choose a student.');
  if (!num(s.width, 0.01, 16)) out.push('The width (or alpha) must be a number in (0, 16].');
  const terms = Object.keys(s.loss);
  if (terms.length === 0) out.push('Choose at least one loss term.');
  for (const t of terms) {
    if (!(LOSS_NAMES as readonly string[]).includes(t)) out.push(`"${t}" is not a loss term.`);
    else if (!num(s.loss[t], 0, 1e6)) out.push(`The weight of ${t} must be a number ≥ 0.`);
  }
  if (terms.includes('hsakd') && terms.length > 1) out.push('HSAKD is a whole loss: use it alone.');
  if (!num(s.temperature, 0.01, 100)) out.push('The temperature must be between 0.01 and 100.');
  if (!int(s.epochs, 1, 10_000)) out.push('Epochs: a whole number from 1 to 10000.');
  if (!int(s.batchSize, 1, 4096)) out.push('Batch size: a whole number from 1 to 4096.');
  if (!num(s.lr, 1e-8, 10)) out.push('The learning rate must be between 1e-8 and 10.');
  if (s.optimizer !== 'adam' && s.optimizer !== 'sgd') out.push('The optimiser is adam or sgd.');
  if (!num(s.valSplit, 0.01, 0.9)) out.push('The validation share must be between 0.01 and 0.9.');
  if (!int(s.period, 1, 1e9)) out.push('The ASDT period: a whole number of steps ≥ 1.');
  if (!(num(s.duty, 0, 1) && s.duty > 0 && s.duty < 1)) out.push('The ASDT duty cycle must be between 0 and 1.');
  if (!int(s.seed, 0, 2 ** 31)) out.push('The seed: a whole number ≥ 0.');
  if (typeof s.runName !== 'string' || !/^[\w.-]{0,80}$/.test(s.runName)) out.push('The run name: letters, digits, ".", "-" and "_" only.');
  return out;
}

/** Every message from the webview is checked before the host acts on it; anything else is dropped. */
export function parseFromDistillWebview(msg: unknown): FromDistillWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
    case 'cancel':
    case 'openStudent':
    case 'compare':
      return { type: msg.type };
    case 'pick':
      return ['teacher', 'teacher2', 'studentFile', 'data', 'logdir'].includes(msg.what as string) ? { type: 'pick', what: msg.what as PickWhat } : undefined;
    case 'clear':
      return msg.what === 'teacher2' ? { type: 'clear', what: 'teacher2' } : undefined;
    case 'start': {
      const s = msg.settings;
      if (!isObj(s) || !isObj(s.loss)) return undefined;
      const settings: DistillSettings = {
        student: s.student as FormStudent,
        width: s.width as number,
        loss: { ...(s.loss as Record<string, number>) },
        temperature: s.temperature as number,
        epochs: s.epochs as number,
        batchSize: s.batchSize as number,
        lr: s.lr as number,
        optimizer: s.optimizer as 'adam' | 'sgd',
        valSplit: s.valSplit as number,
        period: s.period as number,
        duty: s.duty as number,
        seed: s.seed as number,
        runName: s.runName as string,
      };
      return settingsProblems(settings).length === 0 ? { type: 'start', settings } : undefined;
    }
    default:
      return undefined;
  }
}
