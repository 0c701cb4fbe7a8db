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
/** A last line without a line break (or a record cut short) is taken once the file has been quiet this long. */
export const SETTLE_MS = 2000;

export interface UpdateOptions {
  /** A one-shot read (`model-lens curves` without --watch): take what is left at once, without waiting for the file to settle. */
  final?: boolean;
  /** The current time (ms since the epoch); tests pass their own. */
  now?: number;
}
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
  /** Bytes after the last record read (a record being written, or cut short). */
  trailingBytes = 0;
  /** Records left unread at the end of the file (0 or 1). */
  incomplete = 0;
  /** Points were taken provisionally from an unfinished last line or record: if the file grows, it is read again from the start. */
  private held = false;
  /** 'utf-16le' or 'utf-16be' for a text log with a UTF-16 byte-order mark: read whole and transcoded. */
  private encoding: 'utf-16le' | 'utf-16be' | undefined;
  private ino = -1;
  private size = -1;
  private mtimeMs = -1;
  private head = new Uint8Array(0);
  private tail = new Uint8Array(0);

  constructor(
    readonly path: string,
    private readonly parser: ChunkParser & { whole?: boolean },
  ) {}

  async update(opts: UpdateOptions = {}): Promise<TailResult> {
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
    const quiet = opts.final === true || (opts.now ?? Date.now()) - st.mtimeMs >= SETTLE_MS;
    const same = st.ino === this.ino && st.size === this.size && st.mtimeMs === this.mtimeMs;
    // Unchanged: nothing to do, unless what was left waiting can now be taken.
    if (same && !(quiet && !this.held && this.trailingBytes > 0 && this.parser.flush)) return { change: 'none', reset: false, before, corrupt: 0 };
    if (!st.isFile()) return { change: 'none', reset: false, before, corrupt: 0 };
    const fh = await fsp.open(this.path, 'r');
    try {
      let change: FileChange = 'appended';
      if (this.deleted || this.ino === -1) change = 'created';
      else if (st.ino !== this.ino) change = 'rotated';
      else if (st.size < this.offset) change = 'truncated';
      else if (this.held && !same) change = 'rewritten';
      else if (this.parser.whole || !(await this.unchanged(fh))) change = 'rewritten';
      this.deleted = false;
      if (change === 'created' || change === 'rotated') this.encoding = await this.utf16(fh, st.size);
      if (this.parser.whole || this.encoding) return await this.readWhole(fh, st, change, before, quiet);
      const reset = change !== 'appended' && (this.offset > 0 || this.held);
      if (reset) this.clear();
      let corrupt = same ? 0 : await this.readFrom(fh, st.size);
      corrupt += await this.flushRest(fh, st.size, quiet);
      await this.snapshot(fh);
      this.remember(st);
      if ([...this.tags].some(([t, s]) => s.length !== (reset ? 0 : (before.get(t) ?? 0)))) this.updated = st.mtimeMs;
      return { change, reset, before: reset ? new Map() : before, corrupt };
    } finally {
      await fh.close();
    }
  }

  /** The parser's flush of the bytes after the offset, once the file is quiet; sets trailingBytes and incomplete. */
  private async flushRest(fh: fsp.FileHandle, size: number, quiet: boolean): Promise<number> {
    const rest = size - this.offset;
    this.trailingBytes = rest;
    this.incomplete = rest > 0 ? 1 : 0;
    if (rest <= 0 || !quiet || !this.parser.flush) return 0;
    const bytes = new Uint8Array(rest);
    const { bytesRead } = await fh.read(bytes, 0, rest, this.offset);
    return this.flushBytes(bytes.subarray(0, bytesRead));
  }

  private flushBytes(bytes: Uint8Array): number {
    const r = this.parser.flush!(bytes, this.tags);
    this.trailingBytes = bytes.length - r.consumed;
    this.incomplete = r.incomplete;
    if (r.consumed > 0 || r.corrupt > 0) this.held = true;
    this.corrupt += r.corrupt;
    return r.corrupt;
  }

  /**
   * Formats rewritten whole at each save (trainer_state.json), and UTF-16 text logs (transcoded):
   * read whole. A document that does not parse is kept waiting while the file may still be being
   * written, then reported as corrupt (its previous points, if any, stay).
   */
  private async readWhole(
    fh: fsp.FileHandle,
    st: { ino: number; size: number; mtimeMs: number },
    change: FileChange,
    before: Map<string, number>,
    quiet: boolean,
  ): Promise<TailResult> {
    let bytes = new Uint8Array(st.size);
    const { bytesRead } = await fh.read(bytes, 0, st.size, 0);
    bytes = bytes.subarray(0, bytesRead);
    if (this.encoding) bytes = new TextEncoder().encode(new TextDecoder(this.encoding).decode(bytes));
    const fresh: TagMap = new Map();
    this.parser.reset();
    const r = this.parser.parse(bytes, fresh);
    if (r.consumed === 0 && bytes.length > 0 && this.parser.whole) {
      if (!quiet) return { change: 'none', reset: false, before, corrupt: 0 }; // half-written: keep what we have
      this.corrupt = 1;
      this.remember(st);
      return { change, reset: false, before, corrupt: 1 };
    }
    this.tags.clear();
    for (const [t, s] of fresh) this.tags.set(t, s);
    this.corrupt = r.corrupt;
    this.offset = r.consumed;
    this.held = false;
    this.trailingBytes = bytes.length - r.consumed;
    this.incomplete = this.trailingBytes > 0 ? 1 : 0;
    if (quiet && this.trailingBytes > 0 && this.parser.flush) this.flushBytes(bytes.subarray(r.consumed));
    this.remember(st);
    this.updated = st.mtimeMs;
    return { change, reset: true, before, corrupt: this.corrupt };
  }

  /** A UTF-16 byte-order mark at the start of a text log. */
  private async utf16(fh: fsp.FileHandle, size: number): Promise<'utf-16le' | 'utf-16be' | undefined> {
    if (size < 2 || !this.parser.text) return undefined;
    const bom = new Uint8Array(2);
    await fh.read(bom, 0, 2, 0);
    if (bom[0] === 0xff && bom[1] === 0xfe) return 'utf-16le';
    if (bom[0] === 0xfe && bom[1] === 0xff) return 'utf-16be';
    return undefined;
  }

  private clear(): void {
    this.tags.clear();
    this.corrupt = 0;
    this.offset = 0;
    this.held = false;
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
    for (const [bytes, at] of [
      [this.head, 0],
      [this.tail, this.offset - this.tail.length],
    ] as const) {
      const now = new Uint8Array(bytes.length);
      const { bytesRead } = await fh.read(now, 0, bytes.length, at);
      if (bytesRead !== bytes.length || !now.every((b, i) => b === bytes[i])) return false;
    }
    return true;
  }
}
