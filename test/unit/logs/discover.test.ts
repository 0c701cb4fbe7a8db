import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRuns } from '../../../src/core/logs/discover';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ml-logs-'));

test('findRuns: a missing path and a file of no log format are one-line errors naming them', async () => {
  await assert.rejects(findRuns('/nonexistent/runs'), { message: '/nonexistent/runs: no such file or folder' });
  const dir = tmp();
  writeFileSync(join(dir, 'model.json'), '{}');
  await assert.rejects(findRuns(join(dir, 'model.json')), {
    message: `${join(dir, 'model.json')}: not a training log (expected a TensorBoard event file, .csv, .jsonl, metrics.json, scalars.json or trainer_state.json)`,
  });
  rmSync(dir, { recursive: true });
});
