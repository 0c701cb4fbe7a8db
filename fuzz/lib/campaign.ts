import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLASSES, classify, FAILURES, type CaseClass } from './classify';
import type { Family, FamilyName, Mutator, Seed } from './family';
import { Pool, type Outcome } from './pool';
import { Rng } from './rng';
import { csv, jsonl, tensorboard } from '../families/logs';
import { image } from '../families/image';
import { keras } from '../families/keras';
import { onnx } from '../families/onnx';
import { tfjs } from '../families/tfjs';

export const FAMILY_TABLE: Record<FamilyName, Family> = { tfjs, onnx, keras, image, tensorboard, csv, jsonl };

export interface CampaignOptions {
  families: FamilyName[];
  /** Cases per family. */
  runs: number;
  seed: number;
  workers: number;
  /** The built case runner. */
  script: string;
  timeoutMs?: number;
  maxRssBytes?: number;
  /** Where failing cases are copied (with case.json), if anywhere. */
  keep?: string;
  onCase?: (done: number, total: number) => void;
}

export interface MutatorStats {
  family: FamilyName;
  mutator: string;
  runs: number;
  classes: Record<CaseClass, number>;
  /** Cases that got past the format's first structural check. */
  past: number;
  slowestMs: number;
  peakRss: number;
}

export interface Failure {
  family: FamilyName;
  mutator: string;
  seed: string;
  caseSeed: number;
  /** The case's number in its family's campaign (with the campaign seed, it rebuilds the case). */
  index: number;
  cls: CaseClass;
  argv: string[];
  message: string;
  kept?: string;
}

export interface CampaignResult {
  stats: MutatorStats[];
  failures: Failure[];
  ms: number;
}

/** A case's own seed: the campaign's seed, the family and the case number, mixed. */
export function caseSeedOf(seed: number, family: string, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${family}:${i}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/**
 * Case i of a family's campaign with a given seed, written into `dir`: a seed file copied and
 * damaged by the case's mutator (once, or twice a quarter of the time). The same arguments make
 * the same files, so a failure is reproduced from its family, campaign seed and index.
 */
export function buildCase(
  family: Family,
  seeds: Seed[],
  campaignSeed: number,
  i: number,
  dir: string,
): { caseSeed: number; mutator: Mutator; seed: Seed; argv: string[]; file: string } {
  const caseSeed = caseSeedOf(campaignSeed, family.name, i);
  const rng = new Rng(caseSeed);
  const mutator = family.mutators[i % family.mutators.length];
  const seed = rng.pick(seeds);
  fs.mkdirSync(dir, { recursive: true });
  if (seed.whole) fs.cpSync(seed.dir, dir, { recursive: true });
  else fs.copyFileSync(path.join(seed.dir, seed.main), path.join(dir, seed.main));
  const file = path.join(dir, seed.main);
  // A second mutation may find the first one's damage unreadable (JSON no longer parses): it is then skipped.
  for (let k = 0; k < (rng.chance(0.25) ? 2 : 1); k++) {
    try {
      mutator.apply(file, dir, rng);
    } catch {
      break;
    }
  }
  return { caseSeed, mutator, seed, argv: family.argv(file, rng), file };
}

const messageOf = (o: Outcome): string =>
  o.kind === 'done'
    ? o.leaked > 0
      ? `${o.leaked} tensors left behind; ${o.stderr.split('\n')[0]}`
      : o.noise.trim()
        ? `printed by a library: ${o.noise.trim().split('\n')[0]} | then: ${o.stderr.split('\n')[0]}`
        : o.code === 0
          ? o.stdout.slice(0, 300)
          : o.stderr.split('\n').slice(0, 3).join(' | ').slice(0, 500)
    : o.detail.slice(0, 500);

/**
 * A seeded campaign: for each family, `runs` cases spread evenly over its mutators, each a seed
 * file copied and damaged, run through the CLI in a recycled child process, and classified.
 */
export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-fuzz-'));
  const pool = new Pool({ script: opts.script, size: opts.workers, timeoutMs: opts.timeoutMs ?? 20_000, maxRssBytes: opts.maxRssBytes ?? 3e9 });
  const stats = new Map<string, MutatorStats>();
  const failures: Failure[] = [];
  const total = opts.families.length * opts.runs;
  let done = 0;
  try {
    const jobs: (() => Promise<void>)[] = [];
    for (const name of opts.families) {
      const family = FAMILY_TABLE[name];
      const seeds = family.seeds(path.join(work, 'seeds'));
      for (const m of family.mutators) {
        stats.set(`${name}/${m.name}`, {
          family: name,
          mutator: m.name,
          runs: 0,
          classes: Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<CaseClass, number>,
          past: 0,
          slowestMs: 0,
          peakRss: 0,
        });
      }
      for (let i = 0; i < opts.runs; i++) {
        jobs.push(async () => {
          const dir = path.join(work, name, String(i));
          const { caseSeed, mutator, seed, argv } = buildCase(family, seeds, opts.seed, i, dir);
          const outcome = await pool.run(argv);
          const cls = classify(name, outcome, dir, argv);
          const s = stats.get(`${name}/${mutator.name}`)!;
          s.runs++;
          s.classes[cls]++;
          if (family.pastFirstCheck(outcome)) s.past++;
          s.slowestMs = Math.max(s.slowestMs, outcome.ms);
          s.peakRss = Math.max(s.peakRss, outcome.peakRss);
          if (FAILURES.has(cls)) {
            const f: Failure = {
              family: name,
              mutator: mutator.name,
              seed: seed.name,
              caseSeed,
              index: i,
              cls,
              argv: argv.map((a) => a.replace(dir, '<case>')),
              message: messageOf(outcome).split(dir).join('<case>'),
            };
            if (opts.keep) {
              const to = path.join(opts.keep, name, `${mutator.name}-${caseSeed}`);
              fs.mkdirSync(path.dirname(to), { recursive: true });
              fs.cpSync(dir, to, { recursive: true });
              fs.writeFileSync(path.join(to, 'case.json'), JSON.stringify({ ...f, argv: f.argv }, null, 2));
              f.kept = to;
            }
            failures.push(f);
          }
          fs.rmSync(dir, { recursive: true, force: true });
          opts.onCase?.(++done, total);
        });
      }
    }
    // As many cases in flight as there are children.
    let next = 0;
    await Promise.all(
      Array.from({ length: opts.workers }, async () => {
        while (next < jobs.length) await jobs[next++]();
      }),
    );
  } finally {
    pool.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { stats: [...stats.values()], failures, ms: Date.now() - started };
}

/** The report: a row per family and mutator, then the failures. */
export function formatReport(r: CampaignResult, seed: number): string {
  const head = ['family', 'mutator', 'runs', ...CLASSES, 'past 1st check', 'slowest', 'peak RSS'];
  const rows = r.stats.map((s) => [
    s.family,
    s.mutator,
    String(s.runs),
    ...CLASSES.map((c) => String(s.classes[c])),
    `${s.runs ? Math.round((100 * s.past) / s.runs) : 0} %${s.runs && s.past / s.runs < 0.3 ? ' (weak)' : ''}`,
    `${(s.slowestMs / 1000).toFixed(1)} s`,
    `${Math.round(s.peakRss / 1e6)} MB`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row: string[]): string => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const totals = CLASSES.map((c) => `${c} ${r.stats.reduce((n, s) => n + s.classes[c], 0)}`).join(', ');
  out.push('', `${r.stats.reduce((n, s) => n + s.runs, 0)} cases in ${(r.ms / 1000).toFixed(0)} s (seed ${seed}): ${totals}`);
  const failed = r.failures.length;
  out.push(failed === 0 ? 'no failures' : `${failed} failure${failed === 1 ? '' : 's'}:`);
  for (const f of r.failures.slice(0, 40))
    out.push(
      `  [${f.cls}] ${f.family}/${f.mutator} case ${f.index} seed ${f.caseSeed} (${f.seed}): model-lens ${f.argv.join(' ')}\n      ${f.message}${f.kept ? `\n      kept in ${f.kept}` : ''}`,
    );
  return out.join('\n');
}
