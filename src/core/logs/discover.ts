import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors';
import { KERAS_PHASES, Run, type LogFormat } from './run';
import { isEventFile } from './tensorboard';

/** Folders never searched. */
const SKIP = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv', '.vscode-test', 'dist', 'artifacts']);

/** The format of a log file by its name, or undefined when the name says it is not a log. */
export function formatOfFile(name: string): LogFormat | undefined {
  const n = basename(name).toLowerCase();
  if (isEventFile(n)) return 'tensorboard';
  if (n === 'trainer_state.json') return 'hf-trainer-state';
  if (n.endsWith('.csv')) return 'csv';
  if (n.endsWith('.jsonl') || n.endsWith('.ndjson') || n === 'metrics.json' || n === 'scalars.json' || n.endsWith('.log.json')) return 'jsonl';
  return undefined;
}

export interface RunSpec {
  path: string;
  format: LogFormat;
  name?: string;
}

/** An MLflow file-store run folder: `meta.yaml` beside `metrics/`. */
async function mlflowRunName(dir: string): Promise<string | undefined> {
  const [meta, metrics] = await Promise.all([
    fsp.readFile(join(dir, 'meta.yaml'), 'utf8').catch(() => undefined),
    fsp.stat(join(dir, 'metrics')).catch(() => undefined),
  ]);
  if (meta === undefined || !metrics?.isDirectory()) return undefined;
  return /^run_name:\s*['"]?(.+?)['"]?\s*$/m.exec(meta)?.[1] ?? basename(dir);
}

/**
 * The runs under `path` (a log file or a folder searched to `maxDepth`): TensorBoard folders, CSV
 * and JSON lines files, `trainer_state.json` files and MLflow runs, sorted by path. Throws an
 * InputError naming the path when it does not exist or is a file of no known log format.
 */
export async function findRuns(path: string, maxDepth = 8): Promise<RunSpec[]> {
  const st = await fsp.stat(path).catch(() => undefined);
  if (!st) throw new InputError(`${path}: no such file or folder`);
  if (st.isFile()) {
    const format = formatOfFile(path);
    if (!format)
      throw new InputError(`${path}: not a training log (expected a TensorBoard event file, .csv, .jsonl, metrics.json, scalars.json or trainer_state.json)`);
    return [{ path, format }];
  }
  const out: RunSpec[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const name = await mlflowRunName(dir);
    if (name !== undefined) {
      out.push({ path: dir, format: 'mlflow', name });
      return;
    }
    const entries = (await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
    const isKerasPhase = KERAS_PHASES.includes(basename(dir)) && depth > 0;
    let events = entries.some((e) => e.isFile() && isEventFile(e.name));
    // Keras' train/ and validation/ sub-folders belong to their parent's run.
    const phases = entries.filter((e) => e.isDirectory() && KERAS_PHASES.includes(e.name));
    for (const p of phases) if (!events && (await fsp.readdir(join(dir, p.name)).catch(() => [] as string[])).some(isEventFile)) events = true;
    if (events && !(isKerasPhase && out.some((r) => r.path === dirname(dir)))) out.push({ path: dir, format: 'tensorboard' });
    for (const e of entries) {
      if (e.isFile()) {
        const f = formatOfFile(e.name);
        if (f && f !== 'tensorboard') out.push({ path: join(dir, e.name), format: f });
      } else if (e.isDirectory() && depth < maxDepth && !SKIP.has(e.name) && !e.name.startsWith('.')) {
        await walk(join(dir, e.name), depth + 1);
      }
    }
  };
  await walk(path, 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export const openRun = (spec: RunSpec): Run => new Run(spec.path, spec.format, spec.name);

/**
 * The runs that a list of files (such as a workspace search) belongs to: event files give their
 * folder (the parent for Keras' phase folders), CSV / JSON lines / trainer_state.json files are
 * runs themselves, and files under an MLflow run's `metrics/` give that run. Sorted by path.
 */
export async function runsFromFiles(files: string[]): Promise<RunSpec[]> {
  const specs = new Map<string, RunSpec>();
  const mlflowDirs = new Set<string>();
  for (const f of files) {
    const format = formatOfFile(f);
    if (format === 'tensorboard') {
      const dir = dirname(f);
      const path = KERAS_PHASES.includes(basename(dir)) ? dirname(dir) : dir;
      specs.set(path, { path, format });
    } else if (format) specs.set(f, { path: f, format });
    else {
      const parts = f.split(/[\\/]/);
      const m = parts.lastIndexOf('metrics');
      if (m > 0) mlflowDirs.add(parts.slice(0, m).join('/') || '/');
    }
  }
  for (const dir of mlflowDirs) {
    const name = await mlflowRunName(dir);
    if (name !== undefined) specs.set(dir, { path: dir, format: 'mlflow', name });
  }
  return [...specs.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}
