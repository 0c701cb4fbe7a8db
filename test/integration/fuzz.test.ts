import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAMILIES } from '../../fuzz/lib/family';
import { formatReport, runCampaign } from '../../fuzz/lib/campaign';

/**
 * A short seeded fuzzing campaign (`npm run fuzz` runs long ones): 150 cases per family through the
 * built CLI in two recycled child processes. Nothing may end in a cryptic message, an internal
 * error, a trap, a crash, a hang, a memory overrun or undocumented `curves --json`, and every
 * mutator must get at least 30 % of its cases past the format's first structural check.
 */
const repo = path.resolve(__dirname, '..', '..');
const script = path.join(repo, 'dist', 'fuzz', 'case-runner.js');

test('a seeded campaign of 150 cases per family finds no failure, and every mutator reaches past the first check', { timeout: 240_000 }, async () => {
  assert.ok(fs.existsSync(script), 'dist/fuzz/case-runner.js is missing: npm test builds it first');
  const seed = 20261130;
  const r = await runCampaign({ families: [...FAMILIES], runs: 150, seed, workers: 2, script, timeoutMs: 20_000 });
  const report = formatReport(r, seed);
  assert.deepEqual(
    r.failures.map((f) => `${f.family}/${f.mutator} case ${f.index}: [${f.cls}] ${f.message}`),
    [],
    report,
  );
  for (const s of r.stats) assert.ok(s.past / s.runs >= 0.3, `${s.family}/${s.mutator}: only ${s.past} of ${s.runs} past the first check\n${report}`);
  assert.equal(
    r.stats.reduce((n, s) => n + s.runs, 0),
    150 * FAMILIES.length,
  );
  console.log(report.split('\n').slice(-2).join('\n'));
});
