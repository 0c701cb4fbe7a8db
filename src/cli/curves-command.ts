import { InputError } from '../core/errors';
import { findRuns, openRun, type RunSpec } from '../core/logs/discover';
import { newPoints, type Run } from '../core/logs/run';
import { summarizeSeries, type TagSummary } from '../core/logs/series';
import { formatValue } from '../core/logs/smooth';
import { parse } from './args';

export interface CurvesJson {
  runs: { path: string; format: string; name: string; corrupt: number; incomplete: number; trailingBytes: number; tags: Record<string, TagSummary> }[];
}

export function curvesJson(runs: Run[]): CurvesJson {
  return {
    runs: runs.map((r) => ({
      path: r.path,
      format: r.format,
      name: r.name,
      corrupt: r.corrupt,
      incomplete: r.incomplete,
      trailingBytes: r.trailingBytes,
      tags: Object.fromEntries([...r.tags].filter(([, s]) => s.length > 0).map(([tag, s]) => [tag, summarizeSeries(s)])),
    })),
  };
}

const fmt = (v: number | null): string => (v === null ? 'nan' : formatValue(v));

function formatText(json: CurvesJson): string {
  const out: string[] = [];
  for (const r of json.runs) {
    const notes = [r.format];
    if (r.corrupt) notes.push(`${r.corrupt} corrupt record${r.corrupt === 1 ? '' : 's'} skipped`);
    if (r.incomplete) notes.push(`${r.incomplete} incomplete record${r.incomplete === 1 ? '' : 's'} (${r.trailingBytes} trailing bytes) not read`);
    out.push(`${r.path} (${notes.join(', ')})`);
    const rows = Object.entries(r.tags).map(([tag, t]) => [tag, String(t.count), String(t.last.step), fmt(t.last.value), fmt(t.min), fmt(t.max)]);
    if (rows.length === 0) {
      out.push('  (no scalars yet)');
      continue;
    }
    const head = ['tag', 'points', 'last step', 'last', 'min', 'max'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    for (const row of [head, ...rows]) out.push('  ' + row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  return out.join('\n');
}

async function discover(paths: string[]): Promise<RunSpec[]> {
  const specs = new Map<string, RunSpec>();
  for (const p of paths) for (const s of await findRuns(p)) specs.set(s.path, s);
  return [...specs.values()];
}

/**
 * `model-lens curves <path>... [--json] [--watch]`: the runs under the paths and a summary of each
 * tag; `--watch` then prints each new point as it arrives (a JSON object per line with `--json`,
 * else `path  tag  step  value`) until interrupted.
 */
export async function curvesCommand(args: string[], stdout: (s: string) => void, signal?: AbortSignal, pollMs = 500): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false } });
  if (positionals.length === 0) throw new InputError('usage: model-lens curves <path>... [--json] [--watch]');
  const runs = (await discover(positionals)).map(openRun);
  for (const r of runs) await r.update({ final: !values.watch });
  const json = curvesJson(runs);
  stdout(values.json ? JSON.stringify(json) : formatText(json));
  if (!values.watch) return 0;

  const stop = signal ?? interruptSignal();
  const known = new Map(runs.map((r) => [r.path, r]));
  let rescan = 0;
  while (!stop.aborted) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    if (stop.aborted) break;
    // New runs (a restart in a new folder, a new log file) are picked up every few polls.
    if (++rescan % 4 === 0) {
      for (const s of await discover(positionals).catch(() => [])) if (!known.has(s.path)) known.set(s.path, openRun(s));
    }
    for (const run of known.values()) {
      const delta = await run.update();
      const points = delta.reset
        ? [...run.tags].map(([tag, s]) => [tag, s.points()] as const)
        : [...delta.appended.keys()].map((tag) => [tag, newPoints(run, delta, tag)] as const);
      if (delta.reset)
        stdout(values.json ? JSON.stringify({ path: run.path, reset: true }) : `${run.path}\t(read again from the start: the file was rewritten or truncated)`);
      for (const [tag, pts] of points) {
        for (const p of pts) {
          stdout(
            values.json
              ? JSON.stringify({
                  path: run.path,
                  tag,
                  step: p.step,
                  wall: Number.isFinite(p.wall) ? p.wall : null,
                  value: Number.isFinite(p.value) ? p.value : null,
                })
              : `${run.path}\t${tag}\t${p.step}\t${fmt(Number.isFinite(p.value) ? p.value : null)}`,
          );
        }
      }
    }
  }
  return 0;
}

function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
