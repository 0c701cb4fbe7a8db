import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, orList } from '../errors';
import { Run } from './run';
import { folderRunOf, formatOfFile, LOG_FORMATS, logFormat, type LogFormat } from './formats';

/** Folders never searched. */
const SKIP = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv', '.vscode-test', 'dist', 'artifacts']);

export { formatOfFile } from './formats';

export interface RunSpec {
  path: string;
  format: LogFormat;
  name?: string;
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
    if (!format) throw new InputError(`${path}: not a training log (expected ${orList(LOG_FORMATS.flatMap((f) => ('describe' in f ? [f.describe] : [])))})`);
    return [{ path, format }];
  }
  const out: RunSpec[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const folderRun = await folderRunOf(dir);
    if (folderRun !== undefined) {
      out.push({ path: dir, format: folderRun.format, name: folderRun.name });
      return;
    }
    const entries = (await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
    // A folder run (TensorBoard): the folder holds the format's files, or its phase sub-folders do.
    for (const f of LOG_FORMATS) {
      if (f.run !== 'folder' || !('matchesFile' in f)) continue;
      const phases: readonly string[] = 'phases' in f ? f.phases : [];
      const isPhase = phases.includes(basename(dir)) && depth > 0;
      let found = entries.some((e) => e.isFile() && f.matchesFile(e.name));
      for (const p of entries.filter((e) => e.isDirectory() && phases.includes(e.name))) {
        if (!found && (await fsp.readdir(join(dir, p.name)).catch(() => [] as string[])).some((n) => f.matchesFile(n))) found = true;
      }
      // Phase sub-folders belong to their parent's run.
      if (found && !(isPhase && out.some((r) => r.path === dirname(dir)))) out.push({ path: dir, format: f.name });
    }
    for (const e of entries) {
      if (e.isFile()) {
        const f = formatOfFile(e.name);
        if (f && logFormat(f).run === 'file') out.push({ path: join(dir, e.name), format: f });
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
 * The runs that a list of files (such as a workspace search) belongs to: files of a folder format
 * give their folder (the parent for phase folders such as Keras' train/), files of a file format
 * are runs themselves, and files inside a self-describing run folder (MLflow) give that run. Sorted by path.
 */
export async function runsFromFiles(files: string[]): Promise<RunSpec[]> {
  const specs = new Map<string, RunSpec>();
  const folders = new Set<string>();
  for (const f of files) {
    const format = formatOfFile(f);
    const spec = format && logFormat(format);
    if (format && spec && spec.run === 'folder') {
      const dir = dirname(f);
      const path = spec.phases?.includes(basename(dir)) ? dirname(dir) : dir;
      specs.set(path, { path, format });
    } else if (format) specs.set(f, { path: f, format });
    else for (const lf of LOG_FORMATS) if ('folderOfFile' in lf && lf.folderOfFile(f) !== undefined) folders.add(lf.folderOfFile(f)!);
  }
  for (const dir of folders) {
    const folderRun = await folderRunOf(dir);
    if (folderRun !== undefined) specs.set(dir, { path: dir, format: folderRun.format, name: folderRun.name });
  }
  return [...specs.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}
