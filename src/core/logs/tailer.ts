import { promises as fsp } from 'node:fs';
import type { ChunkParser } from './parser';
import type { TagMap } from './series';

/** How a log file changed since the last read. */
export type FileChange = 'none' | 'appended' | 'truncated' | 'rewritten' | 'rotated' | 'deleted' | 'created';

export interface TailResult {
  change: FileChange;
  /** True when the file's points were dropped and read again from the start. */
  reset: boolean;
  /** Length of each tag's series before this read (to slice out what is new). */
  before: Map<string, number>;
  corrupt: number;
}

const PROBE = 64;
/** Read and parse in 1 MB steps: the extension host is never blocked for long. */
const CHUNK = 1024 * 1024;

/**
 * Reads a log file incrementally: each update reads only the bytes after the last complete record
 * (so an append costs in proportion to what was appended). A file that shrinks (truncated), whose
 * inode changes (rotated: renamed away and created anew) or whose first bytes or the bytes before
 * the read offset changed (rewritten in place) is read again from the start; a deleted file keeps
 * its points and is read anew if it comes back.
 */
export class FileTailer {
  readonly tags: TagMap = new Map();
  /** Corrupt records skipped since the last reset. */
  corrupt = 0;
  /** Bytes of the file consumed (the offset of the first incomplete record). */
  offset = 0;
  deleted = false;
  /** When the last new point arrived (ms since the epoch, from the file's mtime). */
  updated = 0;
  private ino = -1;
  private size = -1;
  private mtimeMs = -1;
  private head = new Uint8Array(0);
  private tail = new Uint8Array(0);

  constructor(
    readonly path: string,
    private readonly parser: ChunkParser & { whole?: boolean },
  ) {}

  async update(): Promise<TailResult> {
    const before = new Map<string, number>();
    for (const [t, s] of this.tags) before.set(t, s.length);
    let st;
    try {
      st = await fsp.stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const change: FileChange = this.deleted ? 'none' : 'deleted';
      this.deleted = true;
      return { change, reset: false, before, corrupt: 0 };
    }
    if (st.ino === this.ino && st.size === this.size && st.mtimeMs === this.mtimeMs) return { change: 'none', reset: false, before, corrupt: 0 };
    const fh = await fsp.open(this.path, 'r');
    try {
      let change: FileChange = 'appended';
      if (this.deleted || this.ino === -1) change = 'created';
      else if (st.ino !== this.ino) change = 'rotated';
      else if (st.size < this.offset) change = 'truncated';
      else if (this.parser.whole || !(await this.unchanged(fh))) change = 'rewritten';
      this.deleted = false;
      const reset = change !== 'appended' && this.offset > 0;
      if (this.parser.whole) {
        const bytes = new Uint8Array(st.size);
        await fh.read(bytes, 0, st.size, 0);
        const fresh: TagMap = new Map();
        const r = this.parser.parse(bytes, fresh);
        if (r.consumed === 0 && st.size > 0) return { change: 'none', reset: false, before, corrupt: 0 }; // half-written: keep what we have
        this.tags.clear();
        for (const [t, s] of fresh) this.tags.set(t, s);
        this.corrupt = r.corrupt;
        this.offset = r.consumed;
        this.remember(st);
        this.updated = st.mtimeMs;
        return { change, reset: true, before, corrupt: r.corrupt };
      }
      if (reset) this.clear();
      const corrupt = await this.readFrom(fh, st.size);
      await this.snapshot(fh);
      this.remember(st);
      if ([...this.tags].some(([t, s]) => s.length !== (reset ? 0 : before.get(t) ?? 0))) this.updated = st.mtimeMs;
      return { change, reset, before: reset ? new Map() : before, corrupt };
    } finally {
      await fh.close();
    }
  }

  private clear(): void {
    this.tags.clear();
    this.corrupt = 0;
    this.offset = 0;
    this.parser.reset();
  }

  private remember(st: { ino: number; size: number; mtimeMs: number }): void {
    this.ino = st.ino;
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
  }

  /** Reads and parses from the offset to `size` in chunks; returns the corrupt records met. */
  private async readFrom(fh: fsp.FileHandle, size: number): Promise<number> {
    let corrupt = 0;
    let chunk = CHUNK;
    while (this.offset < size) {
      const want = Math.min(chunk, size - this.offset);
      const buf = new Uint8Array(want);
      const { bytesRead } = await fh.read(buf, 0, want, this.offset);
      const r = this.parser.parse(buf.subarray(0, bytesRead), this.tags);
      corrupt += r.corrupt;
      this.offset += r.consumed;
      if (bytesRead < want) break; // the file shrank while being read: the next update sees it
      if (r.consumed === 0) {
        if (want === size - this.offset) break; // what is left is a record still being written
        chunk *= 2; // a record larger than the chunk
      }
    }
    this.corrupt += corrupt;
    return corrupt;
  }

  /** Keeps the first bytes and the bytes before the offset, to tell an append from a rewrite. */
  private async snapshot(fh: fsp.FileHandle): Promise<void> {
    this.head = new Uint8Array(Math.min(PROBE, this.offset));
    await fh.read(this.head, 0, this.head.length, 0);
    const n = Math.min(PROBE, this.offset);
    this.tail = new Uint8Array(n);
    await fh.read(this.tail, 0, n, this.offset - n);
  }

  private async unchanged(fh: fsp.FileHandle): Promise<boolean> {
    for (const [bytes, at] of [[this.head, 0], [this.tail, this.offset - this.tail.length]] as const) {
      const now = new Uint8Array(bytes.length);
      const { bytesRead } = await fh.read(now, 0, bytes.length, at);
      if (bytesRead !== bytes.length || !now.every((b, i) => b === bytes[i])) return false;
    }
    return true;
  }
}
