import { basename, dirname } from 'node:path';
import { Series, type Point, type TagMap } from './series';
import { FileTailer, type UpdateOptions } from './tailer';
import { logFormat, type LogFormat } from './formats';

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
}

/**
 * One training run: a TensorBoard folder (its event files in name order, restarts included, and
 * Keras' `train/` and `validation/` sub-folders), a CSV or JSON lines file, a `trainer_state.json`,
 * or an MLflow run folder (one file per metric). `update()` reads what its files gained.
 */
export class Run {
  /** Every tag's points, the sources' series concatenated in file order. */
  readonly tags: TagMap = new Map();
  private sources: Source[] = [];
  private readonly owners = new Map<string, Source[]>();

  constructor(
    readonly path: string,
    readonly format: LogFormat,
    /** A name to show (an MLflow run's `run_name`, else the path's last parts). */
    public name = logFormat(format).run === 'folder' ? basename(path) : `${basename(dirname(path))}/${basename(path)}`,
  ) {}

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

  get files(): string[] {
    return this.sources.map((s) => s.tailer.path);
  }

  /** Reads what the run's files gained; `final` takes unfinished last lines at once (one-shot reads). */
  async update(opts: UpdateOptions = {}): Promise<RunDelta> {
    const known = new Set(this.sources.map((s) => s.tailer.path));
    for (const [file, parser] of await logFormat(this.format).sources(this.path)) {
      if (!known.has(file)) this.sources.push({ tailer: new FileTailer(file, parser) });
    }
    let reset = false;
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
      const owners = this.owners.get(tag) ?? [];
      if (!owners.includes(src)) {
        // A second file with this tag (a restart): its merged series is built anew below.
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
      const start = merged === series ? from : merged.length;
      if (merged !== series) for (let i = from; i < series.length; i++) merged.push(series.steps[i], series.walls[i], series.values[i]);
      appended.set(tag, start);
    }
    if (reset) this.rebuild();
    return { reset, appended: reset ? new Map() : appended, corrupt };
  }

  private rebuild(): void {
    this.tags.clear();
    this.owners.clear();
    for (const src of this.sources) {
      for (const [tag, s] of src.tailer.tags) {
        if (s.length === 0) continue;
        const owners = this.owners.get(tag) ?? [];
        owners.push(src);
        this.owners.set(tag, owners);
      }
    }
    for (const [tag, owners] of this.owners) {
      if (owners.length === 1) {
        this.tags.set(tag, owners[0].tailer.tags.get(tag)!);
        continue;
      }
      const merged = new Series();
      for (const o of owners) merged.append(o.tailer.tags.get(tag)!);
      this.tags.set(tag, merged);
    }
  }
}

/** The points a delta added to a tag of the run. */
export function newPoints(run: Run, delta: RunDelta, tag: string): Point[] {
  const from = delta.appended.get(tag);
  return from === undefined ? [] : (run.tags.get(tag)?.points(from) ?? []);
}
