/**
 * `npm run fuzz -- [--family F] [--runs N] [--seed S] [--workers N] [--keep DIR]`: a seeded,
 * structure-aware fuzzing campaign over Model Lens's readers (README: "Fuzzing"). Prints, per
 * family and mutator, how many cases ended how, and the share that got past the format's first
 * structural check; exits 1 if any case failed (cryptic message, internal error, trap, crash, hang,
 * memory overrun, or `curves --json` output that is not the documented JSON).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FAMILIES, type FamilyName } from './lib/family';
import { formatReport, runCampaign } from './lib/campaign';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      family: { type: 'string', multiple: true },
      runs: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: String(Math.max(1, Math.min(4, os.cpus().length))) },
      keep: { type: 'string' },
    },
  });
  const families = (values.family?.flatMap((f) => f.split(',')) ?? [...FAMILIES]) as FamilyName[];
  const unknown = families.filter((f) => !(FAMILIES as readonly string[]).includes(f));
  if (unknown.length) {
    console.error(`fuzz: unknown family ${unknown.join(', ')} (expected ${FAMILIES.join(', ')})`);
    return 2;
  }
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  const workers = Number(values.workers);
  if (![runs, seed, workers].every((n) => Number.isSafeInteger(n) && n >= 0) || workers < 1) {
    console.error('fuzz: --runs, --seed and --workers take whole numbers');
    return 2;
  }
  let last = 0;
  const r = await runCampaign({
    families,
    runs,
    seed,
    workers,
    script: path.join(__dirname, 'case-runner.js'),
    keep: values.keep ?? path.join(process.cwd(), 'test-output', 'fuzz', 'failures'),
    onCase: (done, total) => {
      const now = Date.now();
      if (process.stderr.isTTY && (now - last > 250 || done === total)) {
        last = now;
        process.stderr.write(`\r${done}/${total} cases`);
        if (done === total) process.stderr.write('\n');
      }
    },
  });
  console.log(formatReport(r, seed));
  return r.failures.length ? 1 : 0;
}

main().then((code) => (process.exitCode = code));
