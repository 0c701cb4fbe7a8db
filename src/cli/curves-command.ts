import { InputError } from '../core/errors';
import { findRuns, openRun, uniqueNames, type RunSpec } from '../core/logs/discover';
import type { Hparams } from '../core/logs/hparams';
import { newPoints, type Run } from '../core/logs/run';
import { summarizeSeries, type TagSummary } from '../core/logs/series';
import { formatValue } from '../core/logs/smooth';
import { promises as fsp } from 'node:fs';
import { basename, isAbsolute, relative } from 'node:path';
import { attributeRuns, scriptFacts } from '../core/logs/attribution';
import { languageOfFile } from '../core/logs/locator';
import { parse } from './args';

export interface CurvesJson {
  runs: {
    /** The run's folder, relative to the current directory when under it. */
    path: string;
    name: string;
    files: { path: string; format: string; corrupt: number; incomplete: number; trailingBytes: number }[];
    corrupt: number;
    incomplete: number;
    trailingBytes: number;
    tags: Record<string, TagSummary>;
    /** Per tag logged by more than one file, the files whose series were not used. */
    duplicates?: Record<string, string[]>;
    /** The run's hyper-parameters, where its writer records them (Lightning hparams.yaml, MLflow params). */
    hparams?: Hparams;
  }[];
}

/** A path relative to the current directory when it is under it (the JSON's and the text's paths). */
export function shownPath(p: string, cwd = process.cwd()): string {
  const rel = relative(cwd, p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

export function curvesJson(runs: Run[], cwd = process.cwd()): CurvesJson {
  const names = uniqueNames(
    runs.map((r) => ({ path: r.path, name: r.name === basename(r.path) ? undefined : r.name })),
    cwd,
  );
  return {
    runs: runs.map((r) => ({
      path: shownPath(r.path, cwd),
      name: names.get(r.path) ?? r.name,
      files: r.files.map((f) => ({ ...f, path: shownPath(f.path, cwd) })),
      corrupt: r.corrupt,
      incomplete: r.incomplete,
      trailingBytes: r.trailingBytes,
      tags: Object.fromEntries([...r.tags].filter(([, s]) => s.length > 0).map(([tag, s]) => [tag, summarizeSeries(s)])),
      ...(r.hparams ? { hparams: r.hparams } : {}),
      ...(r.duplicates.size ? { duplicates: Object.fromEntries([...r.duplicates].map(([tag, files]) => [tag, files.map((f) => shownPath(f, cwd))])) } : {}),
    })),
  };
}

const fmt = (v: number | null): string => (v === null ? 'nan' : formatValue(v));

function formatText(json: CurvesJson): string {
  const out: string[] = [];
  for (const r of json.runs) {
    const notes = [[...new Set(r.files.map((f) => f.format))].join('+') || 'no log files'];
    if (r.corrupt) notes.push(`${r.corrupt} corrupt record${r.corrupt === 1 ? '' : 's'} skipped`);
    if (r.incomplete) notes.push(`${r.incomplete} incomplete record${r.incomplete === 1 ? '' : 's'} (${r.trailingBytes} trailing bytes) not read`);
    out.push(`${r.path}${r.name !== r.path ? ` [${r.name}]` : ''} (${notes.join(', ')})`);
    const rows = Object.entries(r.tags).map(([tag, t]) => [tag, String(t.count), String(t.last.step), fmt(t.last.value), fmt(t.min), fmt(t.max)]);
    if (rows.length === 0) {
      out.push(`  (no scalars yet in ${r.files.length ? r.files.map((f) => f.path).join(', ') : 'its files'})`);
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
  const { values, positionals } = parse(args, {
    json: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    script: { type: 'string' },
  });
  if (values.script !== undefined) return scriptCommand(values.script as string, positionals, values.json as boolean, stdout);
  if (positionals.length === 0) throw new InputError('usage: model-lens curves <path>... [--json] [--watch] | curves --script FILE [<folder>...] [--json]');
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
        stdout(
          values.json
            ? JSON.stringify({ path: shownPath(run.path), run: shownPath(run.path), reset: true })
            : `${shownPath(run.path)}\t(read again from the start: a file was rewritten or truncated)`,
        );
      for (const [tag, pts] of points) {
        const file = shownPath(run.fileOf(tag) ?? run.path);
        for (const p of pts) {
          stdout(
            values.json
              ? JSON.stringify({
                  path: file,
                  run: shownPath(run.path),
                  tag,
                  step: p.step,
                  wall: Number.isFinite(p.wall) ? p.wall : null,
                  value: Number.isFinite(p.value) ? p.value : null,
                })
              : `${file}\t${tag}\t${p.step}\t${fmt(Number.isFinite(p.value) ? p.value : null)}`,
          );
        }
      }
    }
  }
  return 0;
}

/**
 * `model-lens curves --script FILE [<folder>...] [--json]`: the runs under the folders (default: the
 * current directory) that FILE writes — by the log folder it names, else by the tags it logs — each
 * with the reason (and its 1-based line); unattributed runs are left out.
 */
async function scriptCommand(script: string, folders: string[], json: boolean, stdout: (s: string) => void): Promise<number> {
  const lang = languageOfFile(script);
  const st = await fsp.stat(script).catch(() => undefined);
  if (!st?.isFile()) throw new InputError(`${script}: file not found`);
  if (!lang) throw new InputError(`${script}: not a Python, TypeScript or JavaScript file`);
  const source = await fsp.readFile(script, 'utf8');
  const facts = scriptFacts(source, lang, script);
  const runs = (await discover(folders.length ? folders : [process.cwd()])).map(openRun);
  for (const r of runs) await r.update({ final: true });
  const attributed = attributeRuns(
    runs.map((r) => ({ path: r.path, tags: [...r.tags.keys()], r })),
    facts,
  ).map((x) => ({ run: x.run.r, a: x.how }));
  const out = curvesJson(attributed.map((x) => x.run));
  const withReasons = {
    runs: out.runs.map((r, i) => ({ ...r, attribution: attributed[i].a.kind, attributionLine: attributed[i].a.line + 1 })),
  };
  if (json) stdout(JSON.stringify(withReasons));
  else if (withReasons.runs.length === 0) stdout(`no runs under ${(folders.length ? folders : ['.']).join(', ')} are written by ${script}`);
  else
    stdout(
      withReasons.runs
        .map(
          (r) =>
            `${r.path}\t${r.name}\t${r.attribution === 'log-dir' ? 'its folder is named' : 'its tags are logged'} on line ${r.attributionLine} of ${script}`,
        )
        .join('\n'),
    );
  return 0;
}

function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
