import { promises as fsp } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { InputError, orList } from '../errors';
import { Run } from './run';
import { folderRunOf, formatOfFile, isPartOfParentRun, LOG_FORMATS, runSources } from './formats';

export { formatOfFile } from './formats';

/** Folders never searched. */
const SKIP = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv', '.vscode-test', 'dist', 'artifacts']);

export interface RunSpec {
  /** The run's folder. */
  path: string;
  /** A name the writer gave it (an MLflow run's run_name). */
  name?: string;
}

/** The run folder of a log file: its folder, or the parent of a Keras phase folder or a Hugging Face checkpoint. */
function runFolderOf(file: string): string {
  const dir = dirname(file);
  return isPartOfParentRun(dir) ? dirname(dir) : dir;
}

/**
 * The runs under `path` (a folder searched to `maxDepth`, or a log file — its folder's run): every
 * folder holding log files (TensorBoard's convention: a run is the folder its writer owns; Keras'
 * train/ and validation/ and Hugging Face's checkpoint-N belong to their parent), MLflow runs,
 * sorted by path. Throws an InputError naming the path when it does not exist or is a file of no
 * known log format.
 */
export async function findRuns(path: string, maxDepth = 8): Promise<RunSpec[]> {
  const st = await fsp.stat(path).catch(() => undefined);
  if (!st) throw new InputError(`${path}: no such file or folder`);
  if (st.isFile()) {
    if (!formatOfFile(path))
      throw new InputError(`${path}: not a training log (expected ${orList(LOG_FORMATS.flatMap((f) => ('describe' in f ? [f.describe] : [])))})`);
    return [{ path: runFolderOf(path) }];
  }
  const out: RunSpec[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const folderRun = await folderRunOf(dir);
    if (folderRun !== undefined) {
      out.push({ path: dir, name: folderRun.name });
      return;
    }
    const isRun = (await runSources(dir)).length > 0;
    if (isRun) out.push({ path: dir });
    const entries = (await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (!e.isDirectory() || depth >= maxDepth || SKIP.has(e.name) || e.name.startsWith('.')) continue;
      const sub = join(dir, e.name);
      // Phase folders and checkpoints are part of their parent's run, when the parent is one.
      if (isRun && isPartOfParentRun(sub)) continue;
      await walk(sub, depth + 1);
    }
  };
  await walk(path, 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export const openRun = (spec: RunSpec): Run => new Run(spec.path, undefined, spec.name);

/**
 * The runs that a list of files (such as a workspace search) belongs to: each log file's run folder
 * (a phase folder's or checkpoint's parent), and the run folder a file inside a self-describing run
 * (MLflow) points to — each kept if it holds logs. Sorted by path.
 */
export async function runsFromFiles(files: string[]): Promise<RunSpec[]> {
  const candidates = new Set<string>();
  for (const f of files) {
    if (formatOfFile(f)) candidates.add(runFolderOf(f));
    else for (const lf of LOG_FORMATS) if ('folderOfFile' in lf && lf.folderOfFile(f) !== undefined) candidates.add(lf.folderOfFile(f)!);
  }
  const specs: RunSpec[] = [];
  for (const dir of candidates) {
    const folderRun = await folderRunOf(dir);
    if (folderRun) specs.push({ path: dir, name: folderRun.name });
    else if ((await runSources(dir)).length > 0) specs.push({ path: dir });
  }
  return specs.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * Names that tell runs apart: the shortest tail of each run's path (relative to `root` when under
 * it) that no other run shares — `teacher`, `lightning_logs/version_0`, `a/lightning_logs/version_0`.
 * A writer's own name (MLflow's run_name) is kept when it is unique.
 */
export function uniqueNames(runs: { path: string; name?: string }[], root?: string | ((path: string) => string | undefined)): Map<string, string> {
  const rootOf = typeof root === 'function' ? root : () => root;
  const parts = new Map(
    runs.map((r) => {
      const base = rootOf(r.path);
      const rel = base && (r.path === base || r.path.startsWith(base + sep)) ? relative(base, r.path) : r.path;
      return [r.path, (rel || basename(r.path)).split(/[\\/]/).filter(Boolean)];
    }),
  );
  const out = new Map<string, string>();
  const given = new Map<string, number>();
  for (const r of runs) if (r.name) given.set(r.name, (given.get(r.name) ?? 0) + 1);
  for (const r of runs) {
    if (r.name && given.get(r.name) === 1) {
      out.set(r.path, r.name);
      continue;
    }
    const mine = parts.get(r.path)!;
    let n = 1;
    const tail = (p: string[], k: number) => p.slice(-k).join('/');
    while (n < mine.length && runs.some((o) => o.path !== r.path && tail(parts.get(o.path)!, n) === tail(mine, n))) n++;
    out.set(r.path, tail(mine, n));
  }
  return out;
}
