/**
 * Every training-log format Model Lens reads, in one list: how it recognises a file or a folder, how
 * a run's files are found and parsed, and the folders its writers usually log to. Discovery
 * (discover.ts), `Run` (run.ts), the names `model-lens curves` prints, the CLI's help and the
 * default `modelLens.curves.logGlobs` derive from it. docs/ARCHITECTURE.md: "Add a log format".
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { CsvParser } from './csv';
import { JsonLinesParser, TrainerStateParser } from './jsonl';
import { MlflowMetricParser } from './mlflow';
import type { ChunkParser } from './parser';
import { EventParser, isEventFile } from './tensorboard';

/** Keras' TensorBoard callback writes one sub-folder per phase; their tags get the folder as prefix. */
export const KERAS_PHASES = ['train', 'validation'];

export interface LogFormatSpec {
  /** The name `model-lens curves --json` prints. */
  name: string;
  /** How the help names it. */
  title: string;
  /** A run is one file, or the folder holding its files. */
  run: 'file' | 'folder';
  /** Recognises one of the format's files by its lower-cased base name. */
  matchesFile?: (name: string) => boolean;
  /** The files it recognises, for "not a training log (expected …)". */
  describe?: string;
  /** Recognises a folder that is a run by itself (MLflow): the run's name, or undefined. */
  folderRun?: (dir: string) => Promise<string | undefined>;
  /** The files of a run at `path` and the parser of each. */
  sources: (path: string) => Promise<[string, ChunkParser][]>;
  /** Folder runs: sub-folders whose files belong to the parent's run (Keras' train/ and validation/). */
  phases?: readonly string[];
  /** Folder runs that `folderRun` recognises: the run folder a file inside it points to. */
  folderOfFile?: (path: string) => string | undefined;
  /** Folders its writers usually log to (the default logGlobs search them). */
  folders: readonly string[];
  /** A tag this format logs wins over the same tag in a run's other files (which become duplicates). */
  primary?: boolean;
}

export const LOG_FORMATS = [
  {
    name: 'tensorboard',
    title: 'TensorBoard events',
    run: 'folder',
    matchesFile: isEventFile,
    describe: 'a TensorBoard event file',
    phases: KERAS_PHASES,
    primary: true,
    folders: ['runs', 'logs', 'lightning_logs'],
    sources: async (path) => {
      const st = await fsp.stat(path).catch(() => undefined);
      if (st?.isFile()) return [[path, new EventParser()]];
      const out: [string, ChunkParser][] = (await eventFiles(path)).map((f) => [f, new EventParser()]);
      for (const phase of KERAS_PHASES) for (const f of await eventFiles(join(path, phase))) out.push([f, new EventParser(`${phase}/`)]);
      return out;
    },
  },
  {
    name: 'csv',
    title: 'CSV',
    run: 'file',
    matchesFile: (n) => n.endsWith('.csv'),
    describe: '.csv',
    folders: [],
    sources: async (path) => [[path, new CsvParser()]],
  },
  {
    name: 'jsonl',
    title: 'JSON lines',
    run: 'file',
    matchesFile: (n) => n.endsWith('.jsonl') || n.endsWith('.ndjson') || n === 'metrics.json' || n === 'scalars.json' || n.endsWith('.log.json'),
    describe: '.jsonl, metrics.json, scalars.json',
    // detectron2's output/metrics.json, mmengine's work_dirs/…/vis_data/scalars.json.
    folders: ['output', 'work_dirs'],
    sources: async (path) => [[path, new JsonLinesParser()]],
  },
  {
    name: 'hf-trainer-state',
    title: 'trainer_state.json',
    run: 'file',
    matchesFile: (n) => n === 'trainer_state.json',
    describe: 'trainer_state.json',
    folders: ['outputs'],
    sources: async (path) => [[path, new TrainerStateParser()]],
  },
  {
    name: 'mlflow',
    title: 'MLflow',
    run: 'folder',
    folders: ['mlruns'],
    folderOfFile: (path) => {
      const parts = path.split(/[\\/]/);
      const m = parts.lastIndexOf('metrics');
      return m > 0 ? parts.slice(0, m).join('/') || '/' : undefined;
    },
    // An MLflow file-store run folder: `meta.yaml` beside `metrics/`.
    folderRun: async (dir) => {
      const [meta, metrics] = await Promise.all([
        fsp.readFile(join(dir, 'meta.yaml'), 'utf8').catch(() => undefined),
        fsp.stat(join(dir, 'metrics')).catch(() => undefined),
      ]);
      if (meta === undefined || !metrics?.isDirectory()) return undefined;
      return /^run_name:\s*['"]?(.+?)['"]?\s*$/m.exec(meta)?.[1] ?? basename(dir);
    },
    sources: async (path) => {
      const dir = join(path, 'metrics');
      return (await walkFiles(dir)).map((f) => [f, new MlflowMetricParser(relative(dir, f).split(sep).join('/'))]);
    },
  },
] as const satisfies readonly LogFormatSpec[];

/** The formats `model-lens curves --json` names. */
export type LogFormat = (typeof LOG_FORMATS)[number]['name'];

export function logFormat(name: LogFormat): LogFormatSpec {
  return LOG_FORMATS.find((f) => f.name === name)!;
}

/** The format of a log file by its name, or undefined when the name says it is not a log. */
export function formatOfFile(path: string): LogFormat | undefined {
  const n = basename(path).toLowerCase();
  return LOG_FORMATS.find((f) => 'matchesFile' in f && f.matchesFile(n))?.name;
}

/** The formats whose runs are folders that say so themselves (MLflow). */
export async function folderRunOf(dir: string): Promise<{ format: LogFormat; name: string } | undefined> {
  for (const f of LOG_FORMATS) {
    const name = 'folderRun' in f ? await f.folderRun(dir) : undefined;
    if (name !== undefined) return { format: f.name, name };
  }
  return undefined;
}

/** One log file of a run: its format and the parser that reads it. */
export interface RunSource {
  file: string;
  format: LogFormat;
  parser: ChunkParser;
}

/** The header of Model Lens' CSV export (curves panel): such a file is an export, never a log. */
export const CSV_EXPORT_HEADER = 'run,tag,step,wall_time,value';

async function isCsvExport(file: string): Promise<boolean> {
  const fh = await fsp.open(file, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(CSV_EXPORT_HEADER.length + 2);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return /^run,tag,step,wall_time,value\r?(\n|$)/.test(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}

/** Hugging Face Trainer: each `checkpoint-N/trainer_state.json` holds the whole history up to step N. */
const CHECKPOINT = /^checkpoint-(\d+)$/;
/** Sub-folders whose log files belong to the folder above (mmengine writes `<timestamp>/vis_data/scalars.json`). */
const DATA_SUBFOLDERS = ['vis_data'];
/** PyTorch's and tensorboardX's `add_hparams` write into a sub-folder named by `time.time()` (Hugging Face, Lightning). */
export const HPARAMS_SUBFOLDER = /^\d{9,11}\.\d+$/;

/**
 * The log files of a run folder (TensorBoard's convention: the folder its writer owns) and a parser
 * for each, in name order: the files in it of every format, the event files of Keras' phase
 * sub-folders, an MLflow run's metric files, and — when the folder has no trainer_state.json of its
 * own — the last Hugging Face checkpoint's. Model Lens' CSV exports are not logs.
 */
export async function runSources(dir: string): Promise<RunSource[]> {
  const folderRun = await folderRunOf(dir);
  if (folderRun) return (await logFormat(folderRun.format).sources(dir)).map(([file, parser]) => ({ file, format: folderRun.format, parser }));
  const entries = (await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: RunSource[] = [];
  const folderFormats = new Set<LogFormat>();
  const files = entries.filter((e) => e.isFile()).map((e) => join(dir, e.name));
  for (const sub of entries.filter((e) => e.isDirectory() && DATA_SUBFOLDERS.includes(e.name))) {
    const inner = (await fsp.readdir(join(dir, sub.name), { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isFile())
      .map((e) => join(dir, sub.name, e.name));
    files.push(...inner.sort());
  }
  for (const file of files) {
    const name = basename(file);
    const format = formatOfFile(name);
    if (!format) continue;
    const spec = logFormat(format);
    if (spec.run === 'folder') {
      if (dirname(file) === dir) folderFormats.add(format);
      continue;
    }
    if (format === 'csv' && (await isCsvExport(file))) continue;
    for (const [f, parser] of await spec.sources(file)) out.push({ file: f, format, parser });
  }
  // Folder formats (TensorBoard): their files here, or only in their phase sub-folders.
  for (const f of LOG_FORMATS) {
    if (f.run !== 'folder' || !('matchesFile' in f)) continue;
    const phases: readonly string[] = 'phases' in f ? f.phases : [];
    let found = folderFormats.has(f.name);
    for (const p of entries.filter((e) => e.isDirectory() && phases.includes(e.name))) {
      if (!found && (await fsp.readdir(join(dir, p.name)).catch(() => [] as string[])).some((n) => f.matchesFile(n))) found = true;
    }
    if (found) out.unshift(...(await f.sources(dir)).map(([file, parser]) => ({ file, format: f.name as LogFormat, parser })));
  }
  if (!out.some((s) => s.format === 'hf-trainer-state')) {
    const last = entries
      .filter((e) => e.isDirectory() && CHECKPOINT.test(e.name))
      .map((e) => ({ name: e.name, n: Number(CHECKPOINT.exec(e.name)![1]) }))
      .sort((a, b) => b.n - a.n);
    for (const c of last) {
      const file = join(dir, c.name, 'trainer_state.json');
      if (!(await fsp.stat(file).catch(() => undefined))?.isFile()) continue;
      for (const [f, parser] of await logFormat('hf-trainer-state').sources(file)) out.push({ file: f, format: 'hf-trainer-state', parser });
      break;
    }
  }
  return out;
}

/** A folder that belongs to its parent's run (a Keras phase folder, a Hugging Face checkpoint). */
export function isPartOfParentRun(dir: string): boolean {
  const name = basename(dir);
  return (
    CHECKPOINT.test(name) ||
    DATA_SUBFOLDERS.includes(name) ||
    HPARAMS_SUBFOLDER.test(name) ||
    LOG_FORMATS.some((f) => 'phases' in f && (f.phases as readonly string[]).includes(name))
  );
}

/** "TensorBoard events, CSV, …": what the help says `curves` reads. */
export const LOG_FORMAT_TITLES = LOG_FORMATS.map((f) => f.title).join(', ');

/** The default `modelLens.curves.logGlobs`: every format's usual folders. */
export const DEFAULT_LOG_GLOBS = [...new Set(LOG_FORMATS.flatMap((f) => f.folders))].map((d) => `**/${d}/**`);

async function eventFiles(dir: string): Promise<string[]> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  return names
    .filter(isEventFile)
    .sort()
    .map((n) => join(dir, n));
}

async function walkFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
