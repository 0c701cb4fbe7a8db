// What every folder job of the command line shares: the images' share of a shard, the cache that lets
// an interrupted run continue, the progress a person watches, and a pool of workers to run it on.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import { InputError } from '../core/errors';
import { intOption } from './args';

/** `--shard K/N`: the K-th of N shares, 1 ≤ K ≤ N (as Jest and Playwright number shards; Kubernetes passes `JOB_COMPLETION_INDEX + 1`, Slurm `SLURM_ARRAY_TASK_ID` of `--array=1-N`). */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(raw: string | undefined): Shard | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard || shard.index < 1 || shard.index > shard.count)
    throw new InputError(`--shard must be K/N with 1 ≤ K ≤ N, e.g. 1/4 for the first of four shares (got "${raw}")`);
  return shard;
}

/**
 * Which share an image belongs to: 1 + the first 4 bytes (big-endian) of the SHA-256 of its path
 * relative to the folder (forward slashes), modulo N. The same on every machine and for every N-way split, whatever
 * order the folder lists in; images added later do not move the others.
 */
export function shardOf(relativePath: string, count: number): number {
  const digest = createHash('sha256').update(relativePath.split(path.sep).join('/')).digest();
  return 1 + (digest.readUInt32BE(0) % count);
}

export function inShard(relativePath: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(relativePath, shard.count) === shard.index;
}

/** `--workers N`: N ≥ 1 worker threads; 0 or absent: one per core (undefined here, as `poolSize` takes it). */
export function workersOption(raw: string | undefined): number | undefined {
  const n = intOption(raw, 'workers', 0);
  return n === 0 ? undefined : n;
}

/** The cache folder inside a folder job's output folder (merge leaves it out). */
export const CACHE_DIR = '.model-lens-cache';

/**
 * A folder job's cache: one JSON file per finished image under `<out>/.model-lens-cache/`, named by
 * the hash of everything the result depends on (the model's files, the image's bytes and path, the
 * parameters, the backend). It is written after the image's files, by a rename, so an interrupted
 * run leaves either a complete entry or none.
 */
export class ResultCache<T> {
  /** `use`: read and write; `refresh` (--fresh): compute every image again and write; `off` (--no-cache): neither. */
  constructor(
    private readonly dir: string,
    private readonly mode: 'use' | 'refresh' | 'off' = 'use',
  ) {}

  static key(parts: unknown): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  get(key: string, files: string[]): T | undefined {
    if (this.mode !== 'use') return undefined;
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(this.dir, `${key}.json`), 'utf8')) as { key: string; value: T };
      if (entry.key !== key || !files.every((f) => fs.existsSync(f))) return undefined;
      return entry.value;
    } catch {
      return undefined; // missing, or cut short by a crash of another run: computed again
    }
  }

  set(key: string, value: T): void {
    if (this.mode === 'off') return;
    fs.mkdirSync(this.dir, { recursive: true });
    writeAtomic(path.join(this.dir, `${key}.json`), JSON.stringify({ key, value }));
  }
}

/** Writes a file whole or not at all (a temporary file renamed over it). */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Progress of a folder job on stderr: a bar with the rate and the time left when stderr is a
 * terminal (cli-progress), else a plain line at most every `every` ms (10 s). Rates count only images computed in
 * this run, from the first one done (cached images and the start-up would make them lie).
 */
export function folderProgress(what: string, total: number, stderr: (s: string) => void, o: { tty?: boolean; every?: number; now?: () => number } = {}) {
  const now = o.now ?? Date.now;
  const tty = o.tty ?? Boolean(process.stderr.isTTY);
  const bar = tty
    ? new SingleBar({
        format: `${what} [{bar}] {value}/{total} images · {rate} images/s · {left} left`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      })
    : undefined;
  let done = 0;
  let cached = 0;
  let first: { t: number; done: number } | undefined;
  let last = now();
  const rate = () => (first && done > first.done ? ((done - first.done) * 1000) / (now() - first.t) : undefined);
  const payload = () => {
    const r = rate();
    return { rate: r === undefined ? '…' : r.toFixed(r < 10 ? 2 : 1), left: r === undefined ? '…' : `${Math.ceil((total - done) / r)} s` };
  };
  bar?.start(total, 0, payload());
  return {
    /** One image finished (`fromCache`: taken from the cache). */
    tick(fromCache = false) {
      done++;
      if (fromCache) cached++;
      else first ??= { t: now(), done };
      if (bar) return bar.update(done, payload());
      const t = now();
      if (t - last < (o.every ?? 10_000) || done >= total || rate() === undefined) return;
      last = t;
      const p = payload();
      stderr(`${what}: ${Math.floor((100 * done) / total)} % (${done} of ${total} images), ${p.rate} images/s, about ${p.left} left`);
    },
    /** Prints a line above the bar (the bar is cleared first and drawn again after), or just prints it. */
    print(line: () => void) {
      if (!bar) return line();
      process.stderr.write('\r\x1b[K');
      line();
      bar.render();
    },
    /** The closing line: how many images, how many from the cache, the rate. */
    stop(): string {
      bar?.stop();
      const r = rate();
      return `${what}: ${done} image${done === 1 ? '' : 's'}${cached ? `, ${cached} from the cache` : ''}${r !== undefined ? `, ${r.toFixed(2)} images/s` : ''}`;
    },
  };
}
