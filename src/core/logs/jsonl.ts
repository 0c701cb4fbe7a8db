import JSON5 from 'json5';
import { flushLine, LineSplitter, lines, STEP_KEYS, utf8, WALL_KEYS, type ChunkParser } from './parser';
import { seriesOf, type TagMap } from './series';

/**
 * JSON with Python's extensions: `json.dumps` writes NaN, Infinity and -Infinity, which JSON.parse
 * rejects; JSON5 accepts them. JSON.parse first, as it is several times faster.
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON5.parse(text);
  }
}

/** Adds the numeric fields of one logged object as points; false when it has none. */
export function addRecord(rec: Record<string, unknown>, fallbackStep: number, tags: TagMap, skip: readonly string[] = []): boolean {
  // A step that is NaN or infinite (Python's json.dumps writes them) cannot place a point.
  const stepKey = STEP_KEYS.find((k) => typeof rec[k] === 'number' && Number.isFinite(rec[k]));
  const step = stepKey ? (rec[stepKey] as number) : fallbackStep;
  const wallKey = WALL_KEYS.find((k) => typeof rec[k] === 'number' && Number.isFinite(rec[k]));
  const wall = wallKey ? (rec[wallKey] as number) : NaN;
  let any = false;
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v !== 'number' || k === stepKey || k === wallKey || skip.includes(k)) continue;
    const series = seriesOf(tags, k);
    series.epochs = stepKey === 'epoch';
    series.push(step, wall, v);
    any = true;
  }
  return any;
}

/**
 * JSON lines (mmengine `scalars.json`, detectron2 `metrics.json`, `print(json.dumps(...))`): one
 * object per line; its numeric fields are tags, the x axis is the first of STEP_KEYS present, else
 * the line number. A line that is not a JSON object is corrupt (counted, skipped).
 */
export class JsonLinesParser implements ChunkParser {
  readonly text = true;
  private row = 0;
  private readonly lines = new LineSplitter();

  parse(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number } {
    const consumed = this.lines.completeLength(bytes);
    let corrupt = 0;
    for (const line of lines(utf8(bytes.subarray(0, consumed)))) {
      let rec: unknown;
      try {
        rec = parsePythonJson(line);
      } catch {
        corrupt++;
        continue;
      }
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
        corrupt++;
        continue;
      }
      addRecord(rec as Record<string, unknown>, this.row++, tags);
    }
    return { consumed, corrupt };
  }

  flush(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number; incomplete: number } {
    return flushLine(this, bytes, tags);
  }

  reset(): void {
    this.row = 0;
    this.lines.reset();
  }
}

/**
 * HuggingFace `trainer_state.json`: `log_history` entries with `step` (and `epoch`). The whole file
 * is rewritten at each save, so it is parsed whole; a file caught half-written leaves the previous
 * points in place (consumed 0) until it parses.
 */
export class TrainerStateParser implements ChunkParser {
  readonly whole = true;

  parse(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number } {
    let state: unknown;
    try {
      state = parsePythonJson(utf8(bytes));
    } catch {
      return { consumed: 0, corrupt: 0 };
    }
    const history = (state as { log_history?: unknown })?.log_history;
    if (!Array.isArray(history)) return { consumed: bytes.length, corrupt: 1 };
    let corrupt = 0;
    history.forEach((rec, i) => {
      if (rec && typeof rec === 'object' && !Array.isArray(rec)) addRecord(rec as Record<string, unknown>, i, tags, ['epoch']);
      else corrupt++;
    });
    return { consumed: bytes.length, corrupt };
  }

  reset(): void {}
}
