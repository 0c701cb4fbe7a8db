import type { TagMap } from './series';

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
  reset(): void;
}

const LF = 0x0a;
const CR = 0x0d;

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
