import { flushLine, LineSplitter, lines, utf8, type ChunkParser } from './parser';
import { seriesOf, type TagMap } from './series';

/** MLflow file store metric file `metrics/<key>`: lines `<ms timestamp> <value> [<step>]`. */
export class MlflowMetricParser implements ChunkParser {
  readonly text = true;
  private readonly lines = new LineSplitter();

  constructor(private readonly tag: string) {}

  parse(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number } {
    const consumed = this.lines.completeLength(bytes);
    let corrupt = 0;
    for (const line of lines(utf8(bytes.subarray(0, consumed)))) {
      const [ts, value, step] = line.trim().split(/\s+/);
      const t = Number(ts);
      const v = value === undefined ? NaN : value.toLowerCase() === 'nan' ? NaN : Number(value.replace(/^(-?)inf(inity)?$/i, '$1Infinity'));
      const s = step === undefined ? 0 : Number(step);
      if (!Number.isFinite(t) || (Number.isNaN(v) && value?.toLowerCase() !== 'nan') || !Number.isFinite(s)) {
        corrupt++;
        continue;
      }
      seriesOf(tags, this.tag).push(s, t / 1000, v);
    }
    return { consumed, corrupt };
  }

  flush(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number; incomplete: number } {
    return flushLine(this, bytes, tags);
  }

  reset(): void {
    this.lines.reset();
  }
}
