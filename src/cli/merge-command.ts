import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '../core/errors';
import { parse } from './args';
import { RESULTS_FILE } from './explain-command';

export const MERGE_OPTIONS = {
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

interface ShardOutput {
  dir: string;
  results: { backend: string; method: string; shard?: string; images: { image: string }[] };
  header: string;
  rows: { image: string; raw: string }[];
}

const SUMMARY = 'summary.csv';

function readShard(dir: string): ShardOutput {
  const resultsPath = path.join(dir, RESULTS_FILE);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new InputError(`${dir}: not a folder`);
  if (!fs.existsSync(resultsPath)) throw new InputError(`${dir}: no ${RESULTS_FILE}, so not the output folder of a finished model-lens explain over a folder`);
  let results: ShardOutput['results'];
  try {
    results = JSON.parse(fs.readFileSync(resultsPath, 'utf8')) as ShardOutput['results'];
  } catch (e) {
    throw new InputError(`${resultsPath}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof results?.method !== 'string' || !Array.isArray(results.images) || results.images.some((r) => typeof r?.image !== 'string'))
    throw new InputError(`${resultsPath}: not the results of model-lens explain (a method and a list of images, each with its path)`);
  const summaryPath = path.join(dir, SUMMARY);
  if (!fs.existsSync(summaryPath)) throw new InputError(`${dir}: no ${SUMMARY}`);
  const text = fs.readFileSync(summaryPath, 'utf8');
  const header = text.slice(0, text.indexOf('\n'));
  const records = parseCsv(text, { from_line: 2, raw: true, relax_column_count: true }) as unknown as { record: string[]; raw: string }[];
  return { dir, results, header, rows: records.map((r) => ({ image: r.record[0], raw: r.raw.replace(/\r?\n$/, '') })) };
}

/** Every shard once, when the outputs say which shard they are (an output without one is taken as it is). */
function checkShards(outputs: ShardOutput[]): void {
  const named = outputs.filter((o) => o.results.shard !== undefined);
  if (named.length === 0) return;
  const counts = new Set(named.map((o) => o.results.shard!.split('/')[1]));
  if (counts.size > 1) throw new InputError(`the folders come from different splits (${named.map((o) => `${o.dir}: shard ${o.results.shard}`).join(', ')})`);
  const count = Number([...counts][0]);
  const seen = new Map<number, string>();
  for (const o of named) {
    const k = Number(o.results.shard!.split('/')[0]);
    if (seen.has(k)) throw new InputError(`shard ${k}/${count} is given twice: ${seen.get(k)} and ${o.dir}`);
    seen.set(k, o.dir);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !seen.has(k));
  if (missing.length)
    throw new InputError(`shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${count}`).join(', ')} missing: the merge would be partial`);
}

const byImage = (a: { image: string }, b: { image: string }) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0);

/**
 * `model-lens merge <dirs>... --out DIR`: the output folders of `explain --shard K/N` runs joined into
 * what the unsharded run writes — every map and overlay, summary.csv and results.json sorted by image
 * path. Refused: folders of different methods or backends, a shard missing or given twice, two
 * different files of the same name.
 */
export async function mergeCommand(args: string[], stdout: (s: string) => void): Promise<number> {
  const { values: v, positionals } = parse(args, MERGE_OPTIONS);
  const out = v.out as string | undefined;
  if (positionals.length === 0 || !out) throw new InputError('usage: model-lens merge <folder>... --out DIR');
  const outputs = positionals.map(readShard);
  for (const key of ['method', 'backend'] as const) {
    const values = new Set(outputs.map((o) => o.results[key]));
    if (values.size > 1) throw new InputError(`the folders differ in ${key}: ${outputs.map((o) => `${o.dir} has ${o.results[key]}`).join(', ')}`);
  }
  const headers = new Set(outputs.map((o) => o.header));
  if (headers.size > 1) throw new InputError(`the folders' ${SUMMARY} headers differ (${outputs.map((o) => o.dir).join(', ')})`);
  checkShards(outputs);
  const images = outputs.flatMap((o) => o.results.images).sort(byImage);
  for (let i = 1; i < images.length; i++) if (images[i].image === images[i - 1].image) throw new InputError(`${images[i].image} is in more than one folder`);

  // Every other file (maps, overlays), each name once; an identical copy is allowed, a different one is not.
  const files = new Map<string, string>();
  for (const o of outputs)
    for (const e of fs.readdirSync(o.dir, { withFileTypes: true })) {
      if (!e.isFile() || e.name.startsWith('.') || e.name === SUMMARY || e.name === RESULTS_FILE) continue;
      const from = path.join(o.dir, e.name);
      const before = files.get(e.name);
      if (before && !fs.readFileSync(before).equals(fs.readFileSync(from)))
        throw new InputError(`${e.name} differs between ${path.dirname(before)} and ${o.dir}`);
      files.set(e.name, from);
    }
  fs.mkdirSync(out, { recursive: true });
  for (const [name, from] of files) if (path.resolve(from) !== path.resolve(out, name)) fs.copyFileSync(from, path.join(out, name));
  const rows = outputs.flatMap((o) => o.rows).sort(byImage);
  fs.writeFileSync(path.join(out, SUMMARY), [outputs[0].header, ...rows.map((r) => r.raw)].join('\n') + '\n');
  const { backend, method } = outputs[0].results;
  fs.writeFileSync(path.join(out, RESULTS_FILE), JSON.stringify({ backend, method, images }));
  const said = { out, folders: outputs.length, images: images.length, files: files.size };
  stdout(
    v.json
      ? JSON.stringify(said)
      : `merged ${images.length} images from ${outputs.length} folders into ${out} (${files.size} maps and overlays, ${SUMMARY}, ${RESULTS_FILE})`,
  );
  return 0;
}
