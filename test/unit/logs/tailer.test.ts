import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPoints, Run } from '../../../src/core/logs/run';
import type { Point, TagMap } from '../../../src/core/logs/series';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ml-logs-'));
const pts = (tags: TagMap, tag: string): Point[] => tags.get(tag)?.points() ?? [];
const sv = (tags: TagMap, tag: string): [number, number][] => pts(tags, tag).map((p) => [p.step, p.value]);

test('tailing: appends cost what was appended; truncation, in-place rewrite, rotation and deletion are detected', async () => {
  const dir = tmp();
  const file = join(dir, 'metrics.csv');
  writeFileSync(file, 'step,loss\n0,4\n1,3\n');
  const run = new Run(file, 'csv');
  await run.update();
  appendFileSync(file, '2,2\n3,1');
  let d = await run.update();
  assert.equal(d.reset, false);
  assert.deepEqual(
    newPoints(run, d, 'loss').map((p) => p.value),
    [2],
  );
  appendFileSync(file, '\n');
  d = await run.update();
  assert.deepEqual(
    newPoints(run, d, 'loss').map((p) => p.value),
    [1],
  );
  assert.deepEqual(await run.update(), { reset: false, appended: new Map(), corrupt: 0 });

  // Lightning rewrites the whole file, here with a new column: read again from the start.
  writeFileSync(file, 'step,loss,acc\n0,4,0.1\n1,3,0.2\n2,2,0.3\n3,1,0.4\n');
  d = await run.update();
  assert.equal(d.reset, true);
  assert.deepEqual(sv(run.tags, 'acc'), [
    [0, 0.1],
    [1, 0.2],
    [2, 0.3],
    [3, 0.4],
  ]);
  assert.equal(sv(run.tags, 'loss').length, 4);

  truncateSync(file, 'step,loss,acc\n0,4,0.1\n'.length);
  d = await run.update();
  assert.equal(d.reset, true);
  assert.deepEqual(sv(run.tags, 'loss'), [[0, 4]]);

  // Rotation: the file is renamed away and a new one written in its place.
  renameSync(file, file + '.1');
  writeFileSync(file, 'step,loss\n10,0.5\n');
  d = await run.update();
  assert.equal(d.reset, true);
  assert.deepEqual(sv(run.tags, 'loss'), [[10, 0.5]]);

  // Deletion keeps the points; the file coming back is read from the start.
  rmSync(file);
  d = await run.update();
  assert.equal(d.reset, false);
  assert.deepEqual(sv(run.tags, 'loss'), [[10, 0.5]]);
  writeFileSync(file, 'step,loss\n20,0.25\n');
  d = await run.update();
  assert.deepEqual(sv(run.tags, 'loss'), [[20, 0.25]]);
  rmSync(dir, { recursive: true });
});
