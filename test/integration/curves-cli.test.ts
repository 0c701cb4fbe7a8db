import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { curvesCommand } from '../../src/cli/curves-command';
import { fileVersionRecord, scalarEventRecord } from '../../src/core/logs/event-writer';
import { cli } from '../helpers/cli';

const repo = resolve(__dirname, '..', '..');

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ml-curves-'));
  mkdirSync(join(dir, 'tb'));
  const bad = Buffer.from(scalarEventRecord(2, 1002, { 'loss/kd': 9 }));
  bad[bad.length - 1] ^= 0xff; // payload checksum broken
  writeFileSync(
    join(dir, 'tb', 'events.out.tfevents.1.host'),
    Buffer.concat(
      [
        fileVersionRecord(1000),
        scalarEventRecord(1, 1001, { 'loss/kd': 0.5, 'loss/ce': NaN }),
        bad,
        scalarEventRecord(3, 1003, { 'loss/kd': 0.25, 'loss/ce': 1 }, 'tensor_content'),
      ].map((r) => Buffer.from(r)),
    ),
  );
  writeFileSync(join(dir, 'log.jsonl'), '{"step": 0, "acc": -Infinity}\n{"step": 5, "acc": 0.5}\n{"step": 5, "acc": 0.75}\n');
  return dir;
}

test('curves --json prints the documented shape: format, count of every point, first/last, finite min/max, null for non-finite', async () => {
  const dir = workspace();
  const r = await cli('curves', dir, '--json');
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out);
  assert.deepEqual(json, {
    runs: [
      {
        path: dir,
        name: dir.split('/').pop(),
        files: [{ path: join(dir, 'log.jsonl'), format: 'jsonl', corrupt: 0, incomplete: 0, trailingBytes: 0 }],
        corrupt: 0,
        incomplete: 0,
        trailingBytes: 0,
        tags: { acc: { count: 3, first: { step: 0, value: null }, last: { step: 5, value: 0.75 }, min: 0.5, max: 0.75 } },
      },
      {
        path: join(dir, 'tb'),
        name: 'tb',
        files: [{ path: join(dir, 'tb', 'events.out.tfevents.1.host'), format: 'tensorboard', corrupt: 1, incomplete: 0, trailingBytes: 0 }],
        corrupt: 1,
        incomplete: 0,
        trailingBytes: 0,
        tags: {
          'loss/kd': { count: 2, first: { step: 1, value: 0.5 }, last: { step: 3, value: 0.25 }, min: 0.25, max: 0.5 },
          'loss/ce': { count: 2, first: { step: 1, value: null }, last: { step: 3, value: 1 }, min: 1, max: 1 },
        },
      },
    ],
  });
});

test('curves on the demo runs: one run per folder, its files and formats, the last values of the committed logs (paths relative to the current directory)', async () => {
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const r = await cli('curves', join('demo', 'runs'), '--json');
    assert.equal(r.code, 0, r.err);
    const runs = JSON.parse(r.out).runs;
    assert.deepEqual(
      runs.map((x: { path: string; name: string; files: { path: string; format: string }[] }) => [x.path, x.name, x.files.map((f) => `${f.path} ${f.format}`)]),
      [1, 2, 3]
        .flatMap((s) => [`student-kd-s${s}`, `student-scratch-s${s}`])
        .sort()
        .concat('teacher')
        .map((n) => [`demo/runs/${n}`, n, [`demo/runs/${n}/epochs.csv csv`, `demo/runs/${n}/train.jsonl jsonl`]]),
    );
    const lines = readFileSync(join(repo, 'demo', 'runs', 'student-kd-s1', 'train.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const last = JSON.parse(lines.at(-1)!);
    assert.deepEqual(runs[0].tags['loss/kd'].last, { step: last.step, value: last['loss/kd'] });
    assert.equal(runs[0].tags['loss/total'].count, lines.length);
    assert.ok(runs[0].tags.val_loss, "the CSV's tags are in the same run");
  } finally {
    process.chdir(cwd);
  }
});

test('curves text output lists each run and tag', async () => {
  const dir = workspace();
  const r = await cli('curves', join(dir, 'log.jsonl'));
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    [`${dir} [${dir.split('/').pop()}] (jsonl)`, '  tag  points  last step  last  min   max', '  acc       3          5  0.75  0.5  0.75'].join('\n'),
  );
});

test('curves: bad paths and arguments exit 2 with one line naming the problem', async () => {
  assert.deepEqual(await cli('curves'), {
    code: 2,
    out: '',
    err: 'model-lens: usage: model-lens curves <path>... [--json] [--watch] | curves --script FILE [<folder>...] [--json]',
  });
  assert.deepEqual(await cli('curves', '/no/such/runs'), { code: 2, out: '', err: 'model-lens: /no/such/runs: no such file or folder' });
  const dir = workspace();
  writeFileSync(join(dir, 'notes.txt'), 'hello');
  assert.deepEqual(await cli('curves', join(dir, 'notes.txt')), {
    code: 2,
    out: '',
    err: `model-lens: ${join(dir, 'notes.txt')}: not a training log (expected a TensorBoard event file, .csv, .jsonl, metrics.json, scalars.json or trainer_state.json)`,
  });
  assert.deepEqual(await cli('curves', dir, '--follow'), { code: 2, out: '', err: 'model-lens: unknown option --follow (see model-lens --help)' });
});

test('curves --watch --json prints each new point as it arrives, a new run too, then stops on the signal', async () => {
  const dir = workspace();
  const lines: string[] = [];
  const ac = new AbortController();
  const done = curvesCommand([dir, '--watch', '--json'], (s) => lines.push(s), ac.signal, 50);
  const waitFor = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  };
  await waitFor(1);
  appendFileSync(join(dir, 'tb', 'events.out.tfevents.1.host'), scalarEventRecord(4, 1004, { 'loss/kd': 0.125 }));
  appendFileSync(join(dir, 'log.jsonl'), '{"step": 6, "acc": NaN}\n');
  await waitFor(3);
  writeFileSync(join(dir, 'later.csv'), 'epoch,loss\n0,2\n');
  await waitFor(4);
  ac.abort();
  assert.equal(await done, 0);
  const points = lines.slice(1).map((l) => JSON.parse(l));
  assert.deepEqual(
    points.sort((a, b) => (a.path < b.path ? -1 : 1)),
    [
      { path: join(dir, 'later.csv'), run: dir, tag: 'loss', step: 0, wall: null, value: 2 },
      { path: join(dir, 'log.jsonl'), run: dir, tag: 'acc', step: 6, wall: null, value: null },
      { path: join(dir, 'tb', 'events.out.tfevents.1.host'), run: join(dir, 'tb'), tag: 'loss/kd', step: 4, wall: 1004, value: 0.125 },
    ],
  );
});
