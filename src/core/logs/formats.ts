/**
 * Every training-log format Model Lens reads, in one list: how it recognises a file or a folder, how
 * a run's files are found and parsed, and the folders its writers usually log to. Discovery
 * (discover.ts), `Run` (run.ts), the names `model-lens curves` prints, the CLI's help and the
 * default `modelLens.curves.logGlobs` derive from it. docs/ARCHITECTURE.md: "Add a log format".
 */
import { promises as fsp } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
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
}

export const LOG_FORMATS = [
  {
    name: 'tensorboard',
    title: 'TensorBoard events',
    run: 'folder',
    matchesFile: isEventFile,
    describe: 'a TensorBoard event file',
    phases: KERAS_PHASES,
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
    folders: [],
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
