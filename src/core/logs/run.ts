import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { hparamsEventFiles, HPARAMS_HEAD_BYTES, readHparams, type Hparams } from './hparams';
import { Series, type Point, type TagMap } from './series';
import { FileTailer, type UpdateOptions } from './tailer';
import { logFormat, runSources, type LogFormat, type RunSource } from './formats';

export { KERAS_PHASES, type LogFormat } from './formats';

export interface RunDelta {
  /** True when points were dropped (a file truncated or rewritten): take the whole run again. */
  reset: boolean;
  /** Per tag that grew, the index in `run.tags.get(tag)` where its new points start (empty on reset). */
  appended: Map<string, number>;
  /** Corrupt records skipped in this update. */
  corrupt: number;
}

interface Source {
  tailer: FileTailer;
  format: LogFormat;
}

/** A file of a run, as `curves --json` lists it. */
export interface RunFile {
  path: string;
  format: LogFormat;
  corrupt: number;
  incomplete: number;
  trailingBytes: number;
}

/**
 * One training run: the folder its writer owns (TensorBoard's convention), with every log file in it
 * of every format (`runSources`: event files — restarts in name order, Keras' train/ and validation/
 * sub-folders —, CSV and JSON lines files, trainer_state.json or the last checkpoint's, an MLflow
 * run's metric files), their tags merged. A tag two files log is taken from the event files (their
 * series concatenated, restarts in file order), else from the first file in name order; the others
 * are its `duplicates`. Given a file and its format, a run of that one file (tests, benchmarks).
 * `update()` reads what its files gained.
 */
export class Run {
  /** Every tag's points, from the files that win it. */
  readonly tags: TagMap = new Map();
  /** Per tag logged by more than one file: the files whose series were not used. */
  readonly duplicates = new Map<string, string[]>();
  /** The run's hyper-parameters, where its writer records them (hparams.ts), read with its files. */
  hparams: Hparams | undefined;
  private hparamsStamp = '';
  private sources: Source[] = [];
  private readonly owners = new Map<string, Source[]>();
  /** Per tag, the files whose series lost to another file's (their growth changes nothing). */
  private readonly losers = new Map<string, Set<Source>>();

  constructor(
    readonly path: string,
    /** A single log file's format: the run is that file alone. */
    private readonly fileFormat?: LogFormat,
    /** A name to show (an MLflow run's `run_name`, else the folder's name; discovery makes names unique). */
    public name = basename(path),
  ) {}

  /** The formats of the run's files, as "csv+jsonl". */
  get format(): string {
    return [...new Set(this.sources.map((s) => s.format))].join('+') || (this.fileFormat ?? '');
  }

  /** Corrupt records skipped, over every file of the run. */
  get corrupt(): number {
    return this.sources.reduce((n, s) => n + s.tailer.corrupt, 0);
  }

  /** Records left unread at the ends of the run's files (cut short, or still being written). */
  get incomplete(): number {
    return this.sources.reduce((n, s) => n + s.tailer.incomplete, 0);
  }

  /** Bytes after the last complete record, over every file of the run. */
  get trailingBytes(): number {
    return this.sources.reduce((n, s) => n + s.tailer.trailingBytes, 0);
  }

  /** When a point last arrived (ms since the epoch), 0 if never. */
  get updated(): number {
    return Math.max(0, ...this.sources.map((s) => s.tailer.updated));
  }

  /** True when every file of the run has been deleted (its points are kept). */
  get deleted(): boolean {
    return this.sources.length > 0 && this.sources.every((s) => s.tailer.deleted);
  }

  get files(): RunFile[] {
    return this.sources.map((s) => ({
      path: s.tailer.path,
      format: s.format,
      corrupt: s.tailer.corrupt,
      incomplete: s.tailer.incomplete,
      trailingBytes: s.tailer.trailingBytes,
    }));
  }

  /** The file a tag's newest points come from (the last of the files that win it). */
  fileOf(tag: string): string | undefined {
    return this.owners.get(tag)?.at(-1)?.tailer.path;
  }

  /** Reads what the run's files gained; `final` takes unfinished last lines at once (one-shot reads). */
  async update(opts: UpdateOptions = {}): Promise<RunDelta> {
    const listed = this.fileFormat
      ? (await logFormat(this.fileFormat).sources(this.path)).map(([file, parser]) => ({ file, parser, format: this.fileFormat! }))
      : await this.listSources();
    let reset = false;
    // A file the folder no longer names as a source (an older checkpoint's state): its points go.
    const now = new Set(listed.map((l) => l.file));
    const kept = this.sources.filter((s) => now.has(s.tailer.path) || s.tailer.deleted);
    if (kept.length !== this.sources.length) {
      this.sources = kept;
      reset = true;
    }
    const known = new Set(this.sources.map((s) => s.tailer.path));
    for (const l of listed) if (!known.has(l.file)) this.sources.push({ tailer: new FileTailer(l.file, l.parser), format: l.format });
    if (!this.fileFormat) await this.readHparams();
    let corrupt = 0;
    const grown: [Source, string, number][] = [];
    for (const src of this.sources) {
      const r = await src.tailer.update(opts);
      corrupt += r.corrupt;
      if (r.reset) reset = true;
      for (const [tag, s] of src.tailer.tags) {
        const from = r.before.get(tag) ?? 0;
        if (s.length > from) grown.push([src, tag, from]);
      }
    }
    const appended = new Map<string, number>();
    for (const [src, tag, from] of grown) {
      if (this.losers.get(tag)?.has(src)) continue;
      const owners = this.owners.get(tag) ?? [];
      if (!owners.includes(src)) {
        // A second file with this tag (a restart, or a duplicate): the tag is built anew below.
        if (owners.length > 0) reset = true;
        owners.push(src);
        this.owners.set(tag, owners);
      }
      // Points landing anywhere but at the end of the merged series: rebuild it.
      if (owners[owners.length - 1] !== src) reset = true;
      if (reset) continue;
      const series = src.tailer.tags.get(tag)!;
      let merged = this.tags.get(tag);
      if (!merged) this.tags.set(tag, (merged = owners.length === 1 ? series : new Series()));
      merged.epochs = series.epochs;
      const start = merged === series ? from : merged.length;
      if (merged !== series) for (let i = from; i < series.length; i++) merged.push(series.steps[i], series.walls[i], series.values[i]);
      appended.set(tag, start);
    }
    if (reset) this.rebuild();
    return { reset, appended: reset ? new Map() : appended, corrupt };
  }

  /**
   * The run folder's log files: listed again when the folder changed (a file added or removed changes
   * its time) or every tenth update (new files in its sub-folders), else the last listing — the host
   * polls every run twice a second.
   */
  private async listSources(): Promise<RunSource[]> {
    const st = await fsp.stat(this.path).catch(() => undefined);
    const stamp = st ? String(st.mtimeMs) : '-';
    if (this.listing && stamp === this.listedStamp && ++this.sinceListed < 10) return this.listing;
    this.listing = await runSources(this.path);
    this.listedStamp = stamp;
    this.sinceListed = 0;
    return this.listing;
  }

  private listing: RunSource[] | undefined;
  private listedStamp = '';
  private sinceListed = 0;

  /**
   * Reads the hyper-parameters again when their files changed: the size and time of hparams.yaml and
   * the MLflow params folder, the event files' names and sizes up to the part searched (a growing
   * event file stops counting once past it).
   */
  private async readHparams(): Promise<void> {
    const events = await hparamsEventFiles(this.path);
    const stamps = await Promise.all(
      [...['hparams.yaml', 'params'].map((n) => join(this.path, n)), ...events].map(async (p, i) => {
        const st = await fsp.stat(p).catch(() => undefined);
        if (!st) return '-';
        return i < 2 ? `${st.size}:${st.mtimeMs}` : `${p}:${Math.min(st.size, HPARAMS_HEAD_BYTES)}`;
      }),
    );
    const stamp = stamps.join('|');
    if (stamp === this.hparamsStamp) return;
    this.hparamsStamp = stamp;
    this.hparams = await readHparams(this.path, events);
  }

  private rebuild(): void {
    this.tags.clear();
    this.owners.clear();
    this.duplicates.clear();
    this.losers.clear();
    const all = new Map<string, Source[]>();
    for (const src of this.sources) {
      for (const [tag, s] of src.tailer.tags) {
        if (s.length === 0) continue;
        all.set(tag, [...(all.get(tag) ?? []), src]);
      }
    }
    for (const [tag, sources] of all) {
      const winners = winnersOf(sources);
      this.owners.set(tag, winners);
      const dropped = sources.filter((s) => !winners.includes(s));
      if (dropped.length) {
        this.duplicates.set(
          tag,
          dropped.map((s) => s.tailer.path),
        );
        this.losers.set(tag, new Set(dropped));
      }
      if (winners.length === 1) {
        this.tags.set(tag, winners[0].tailer.tags.get(tag)!);
        continue;
      }
      const merged = new Series();
      for (const o of winners) merged.append(o.tailer.tags.get(tag)!);
      merged.epochs = winners.every((o) => o.tailer.tags.get(tag)!.epochs);
      this.tags.set(tag, merged);
    }
  }
}

/** Of the files that log one tag: those of a primary format (event files: restarts, concatenated in file order), else the first file. */
function winnersOf(sources: Source[]): Source[] {
  const primary = sources.filter((s) => logFormat(s.format).primary);
  return primary.length ? primary : sources.slice(0, 1);
}

/** The points a delta added to a tag of the run. */
export function newPoints(run: Run, delta: RunDelta, tag: string): Point[] {
  const from = delta.appended.get(tag);
  return from === undefined ? [] : (run.tags.get(tag)?.points(from) ?? []);
}
