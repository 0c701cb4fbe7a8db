import type { TagMap } from './series';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Parses the bytes a log file gained since the last call. Implementations keep whatever state the
 * format needs between calls (a CSV header, a line-break style) and forget it on `reset`.
 */
export interface ChunkParser {
  /**
   * Adds the points of the complete records at the start of `bytes` to `tags` and returns how many
   * bytes they took (a record still being written is left for the next call) and how many records
   * were corrupt (skipped).
   */
  parse(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number };
  /**
   * Takes what `parse` left waiting, once the file has gone quiet or the read is final: a last line
   * without a line break, or (event files) records cut short or with a length past the end. The
   * tailer treats what it adds as provisional: if the file grows, it is read again from the start.
   * `incomplete` counts the records still left unread (their bytes are the file's trailing bytes).
   */
  /** A text format (lines): a UTF-16 file is transcoded before it is parsed. */
  readonly text?: boolean;
  flush?(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number; incomplete: number };
  reset(): void;
}

/** `flush` of a line format: the bytes left are one last line without its line break. */
export function flushLine(parser: ChunkParser, bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number; incomplete: number } {
  if (bytes.length === 0) return { consumed: 0, corrupt: 0, incomplete: 0 };
  const line = new Uint8Array(bytes.length + 1);
  line.set(bytes);
  line[bytes.length] = LF;
  const r = parser.parse(line, tags);
  return r.consumed === 0 ? { consumed: 0, corrupt: 0, incomplete: 1 } : { consumed: bytes.length, corrupt: r.corrupt, incomplete: 0 };
}

/**
 * Splits text formats into complete lines: the bytes up to the last line break. Any line ending
 * (LF, CRLF, CR) is a break; a CR as the very last byte waits for the next call (an LF may follow)
 * unless the file is known to use bare CRs.
 */
export class LineSplitter {
  private bareCr = false;

  completeLength(bytes: Uint8Array): number {
    const lf = bytes.lastIndexOf(LF);
    if (lf >= 0) return lf + 1;
    const cr = bytes.lastIndexOf(CR);
    if (cr < 0) return 0;
    // No LF in sight: a CR followed by anything, or a second CR, means the file ends lines with CR.
    if (cr < bytes.length - 1 || (cr > 0 && bytes.lastIndexOf(CR, cr - 1) >= 0)) this.bareCr = true;
    return this.bareCr ? cr + 1 : 0;
  }

  reset(): void {
    this.bareCr = false;
  }
}

const decoder = new TextDecoder('utf-8');
export const utf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

/** Splits complete text into lines on LF, CRLF or CR, without the empty ones. */
export function lines(text: string): string[] {
  return text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '');
}

/** Names that are the x axis, not a tag, in CSV and JSON lines logs, in order of preference. */
export const STEP_KEYS = ['step', 'global_step', 'iteration', 'iter', 'epoch'];
export const WALL_KEYS = ['wall_time', 'timestamp', '_timestamp', 'walltime'];
