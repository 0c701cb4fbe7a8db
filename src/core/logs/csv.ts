import { parse as parseCsv } from 'csv-parse/sync';
import { flushLine, LineSplitter, lines, STEP_KEYS, utf8, WALL_KEYS, type ChunkParser } from './parser';
import { seriesOf, type TagMap } from './series';

const CSV_OPTIONS = { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, bom: true } as const;
const MISSING = new Set(['', 'na', 'none', 'null']);

/** A cell as a number: NaN, inf, -inf kept; '' and NA (Keras CSVLogger) are missing (undefined). */
export function csvNumber(cell: string): number | undefined {
  const c = cell.trim();
  if (MISSING.has(c.toLowerCase())) return undefined;
  const lower = c.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const n = Number(c);
  return Number.isNaN(n) ? undefined : n;
}

/** A row of names: no cell is empty, missing (NA) or a number. */
const looksLikeHeader = (row: string[]): boolean => row.every((c) => c.trim() !== '' && !MISSING.has(c.trim().toLowerCase()) && csvNumber(c) === undefined);

/**
 * CSV logs: Keras CSVLogger (`epoch` + metric columns, `NA` for missing), Lightning `metrics.csv`
 * (sparse rows with `step` and `epoch`). The x axis is the first of STEP_KEYS present, else the
 * row number; every other numeric column is a tag. A header row met again later (an appended
 * restart) takes over from there.
 */
export class CsvParser implements ChunkParser {
  readonly text = true;
  private header: string[] | undefined;
  private stepCol = -1;
  private wallCol = -1;
  private stepIsEpoch = false;
  private row = 0;
  private readonly lines = new LineSplitter();

  parse(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number } {
    const consumed = this.lines.completeLength(bytes);
    if (consumed === 0) return { consumed: 0, corrupt: 0 };
    const text = utf8(bytes.subarray(0, consumed));
    let records: (string[] | undefined)[];
    try {
      records = parseCsv(text, CSV_OPTIONS);
    } catch {
      // A stray quote (or a quoted field left open): take the lines one by one, so that the bad
      // line costs that row, not the file. Logs do not put line breaks inside fields.
      records = lines(text).map((line) => {
        try {
          return parseCsv(line, CSV_OPTIONS)[0] as string[] | undefined;
        } catch {
          return undefined;
        }
      });
    }
    let corrupt = 0;
    for (const rec of records) {
      if (rec === undefined) {
        corrupt++;
        continue;
      }
      if (!this.header || looksLikeHeader(rec)) {
        if (!this.header || rec.join(',') !== this.header.join(',')) this.setHeader(rec);
        continue;
      }
      if (rec.length > this.header.length) {
        corrupt++;
        continue;
      }
      const step = this.stepCol >= 0 ? csvNumber(rec[this.stepCol] ?? '') : this.row;
      this.row++;
      if (step === undefined) continue;
      if (!Number.isFinite(step)) {
        corrupt++; // a step of NaN or inf places nothing
        continue;
      }
      const wall = this.wallCol >= 0 ? (csvNumber(rec[this.wallCol] ?? '') ?? NaN) : NaN;
      for (let i = 0; i < rec.length; i++) {
        if (i === this.stepCol || i === this.wallCol) continue;
        const v = csvNumber(rec[i]);
        if (v === undefined) continue;
        const series = seriesOf(tags, this.header[i]);
        series.epochs = this.stepIsEpoch;
        series.push(step, wall, v);
      }
    }
    return { consumed, corrupt };
  }

  private setHeader(rec: string[]): void {
    this.header = rec.map((c) => c.trim());
    const lower = this.header.map((h) => h.toLowerCase());
    this.stepCol = -1;
    for (const k of STEP_KEYS) {
      if ((this.stepCol = lower.indexOf(k)) >= 0) break;
    }
    this.stepIsEpoch = lower[this.stepCol] === 'epoch';
    this.wallCol = lower.findIndex((h) => WALL_KEYS.includes(h));
  }

  flush(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number; incomplete: number } {
    return flushLine(this, bytes, tags);
  }

  reset(): void {
    this.header = undefined;
    this.row = 0;
    this.lines.reset();
  }
}
