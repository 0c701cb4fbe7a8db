import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRuns, openRun } from '../../../src/core/logs/discover';
import { JsonLinesParser, parsePythonJson } from '../../../src/core/logs/jsonl';
import type { Point, TagMap } from '../../../src/core/logs/series';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ml-logs-'));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const pts = (tags: TagMap, tag: string): Point[] => tags.get(tag)?.points() ?? [];
const sv = (tags: TagMap, tag: string): [number, number][] => pts(tags, tag).map((p) => [p.step, p.value]);

test('JSON lines: NaN, Infinity and -Infinity (Python json.dumps) are kept; bad lines are counted and skipped', () => {
  assert.deepEqual(parsePythonJson('{"a": -Infinity}'), { a: -Infinity });
  const text =
    '{"step": 1, "loss": 0.5, "lr": 0.1, "name": "x"}\n{"iteration": 2, "loss": NaN, "lr": Infinity}\nnot json\n[1, 2]\n{"step": 2, "loss": -Infinity}\n{"step": 3, "lo';
  const tags: TagMap = new Map();
  const p = new JsonLinesParser();
  const r = p.parse(enc(text), tags);
  assert.deepEqual(r, { consumed: text.lastIndexOf('\n') + 1, corrupt: 2 });
  assert.deepEqual(sv(tags, 'lr'), [
    [1, 0.1],
    [2, Infinity],
  ]);
  const loss = pts(tags, 'loss');
  assert.deepEqual([loss[0].value, loss[2].value, loss[2].step], [0.5, -Infinity, 2]);
  assert.ok(Number.isNaN(loss[1].value));
  assert.ok(!tags.has('name') && !tags.has('step') && !tags.has('iteration'));
  p.parse(enc('{"step": 3, "loss": 0.25}\n'), tags);
  assert.deepEqual(sv(tags, 'loss').at(-1), [3, 0.25]);
});

test('JSON lines without a step field number the lines; wall time from "timestamp"', () => {
  const tags: TagMap = new Map();
  new JsonLinesParser().parse(enc('{"kd": 1, "timestamp": 1700000000.5}\n{"kd": 2}\n'), tags);
  assert.deepEqual(
    pts(tags, 'kd').map((p) => [p.step, p.value, p.wall]),
    [
      [0, 1, 1700000000.5],
      [1, 2, NaN],
    ],
  );
});

test('HuggingFace trainer_state.json: log_history points; a half-written rewrite keeps the previous points', async () => {
  const dir = tmp();
  const file = join(dir, 'trainer_state.json');
  const state = (n: number): string =>
    JSON.stringify(
      {
        global_step: n,
        log_history: Array.from({ length: n }, (_, i) => ({ epoch: i / 10, step: (i + 1) * 10, loss: 1 / (i + 1), learning_rate: 5e-5 })).concat([
          { epoch: 1, step: n * 10, eval_loss: 0.75 } as never,
        ]),
      },
      null,
      2,
    );
  writeFileSync(file, state(2));
  const [spec] = await findRuns(dir);
  assert.deepEqual(spec, { path: dir }, 'the run is the folder that holds trainer_state.json');
  const run = openRun(spec);
  await run.update();
  assert.deepEqual(sv(run.tags, 'loss'), [
    [10, 1],
    [20, 0.5],
  ]);
  assert.deepEqual(sv(run.tags, 'eval_loss'), [[20, 0.75]]);
  assert.ok(!run.tags.has('epoch'));
  writeFileSync(file, state(3).slice(0, 40));
  assert.equal((await run.update()).reset, false);
  assert.deepEqual(sv(run.tags, 'loss'), [
    [10, 1],
    [20, 0.5],
  ]);
  writeFileSync(file, state(3));
  assert.equal((await run.update()).reset, true);
  assert.deepEqual(sv(run.tags, 'loss'), [
    [10, 1],
    [20, 0.5],
    [30, 1 / 3],
  ]);
  rmSync(dir, { recursive: true });
});
