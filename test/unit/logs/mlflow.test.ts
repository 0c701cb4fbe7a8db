import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRuns, openRun } from '../../../src/core/logs/discover';
import type { Point, TagMap } from '../../../src/core/logs/series';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ml-logs-'));
const pts = (tags: TagMap, tag: string): Point[] => tags.get(tag)?.points() ?? [];

test('MLflow file store: one file per metric (nested keys too), run_name from meta.yaml, lines with and without a step', async () => {
  const dir = tmp();
  const runDir = join(dir, 'mlruns', '0', 'abc123');
  mkdirSync(join(runDir, 'metrics', 'loss'), { recursive: true });
  writeFileSync(join(runDir, 'meta.yaml'), 'artifact_uri: file:///x\nrun_id: abc123\nrun_name: student-kd\nstatus: 1\n');
  writeFileSync(join(runDir, 'metrics', 'accuracy'), '1700000000000 0.5 0\n1700000001000 0.75 1\n');
  writeFileSync(join(runDir, 'metrics', 'loss', 'kd'), '1700000000000 2.5\n1700000002000 NaN 3\nbroken\n');
  const specs = await findRuns(dir);
  assert.deepEqual(specs, [{ path: runDir, name: 'student-kd' }]);
  const run = openRun(specs[0]);
  const delta = await run.update();
  assert.equal(delta.corrupt, 1);
  assert.deepEqual(pts(run.tags, 'accuracy'), [
    { step: 0, wall: 1700000000, value: 0.5 },
    { step: 1, wall: 1700000001, value: 0.75 },
  ]);
  assert.equal(pts(run.tags, 'loss/kd')[0].step, 0);
  assert.ok(Number.isNaN(pts(run.tags, 'loss/kd')[1].value));
  assert.equal(run.name, 'student-kd');
  rmSync(dir, { recursive: true });
});
