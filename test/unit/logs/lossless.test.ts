import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvParser } from '../../../src/core/logs/csv';
import { fileVersionRecord, scalarEventRecord } from '../../../src/core/logs/event-writer';
import { JsonLinesParser, TrainerStateParser } from '../../../src/core/logs/jsonl';
import { Run } from '../../../src/core/logs/run';
import { FileTailer, SETTLE_MS } from '../../../src/core/logs/tailer';
import { EventParser } from '../../../src/core/logs/tensorboard';
import { maskedCrc32c } from '../../../src/core/logs/tfrecord';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ml-lossless-'));
const sv = (t: FileTailer | Run, tag: string): [number, number][] => (t.tags.get(tag)?.points() ?? []).map((p) => [p.step, p.value]);
/** Sets a file's modification time `ago` ms before `now`. */
const age = (file: string, now: number, ago: number): void => utimesSync(file, (now - ago) / 1000, (now - ago) / 1000);

test('a one-shot read takes a last CSV or JSON-lines row without a line break', async () => {
  const dir = tmp();
  const csv = join(dir, 'log.csv');
  writeFileSync(csv, 'epoch,loss\n0,1.5\n1,0.75');
  const jsonl = join(dir, 'log.jsonl');
  writeFileSync(jsonl, '{"step": 1, "loss": 2}\n{"step": 2, "loss": 1}');
  for (const [file, parser, tag] of [
    [csv, new CsvParser(), 'loss'],
    [jsonl, new JsonLinesParser(), 'loss'],
  ] as const) {
    const t = new FileTailer(file, parser);
    await t.update({ final: true });
    assert.deepEqual(
      sv(t, tag),
      file === csv
        ? [
            [0, 1.5],
            [1, 0.75],
          ]
        : [
            [1, 2],
            [2, 1],
          ],
    );
    assert.equal(t.incomplete, 0);
    assert.equal(t.trailingBytes, 0);
  }
});

test('tailing holds a last line until the file has been quiet for 2 s, then takes it; growth re-reads it without duplicates', async () => {
  const file = join(tmp(), 'log.csv');
  writeFileSync(file, 'step,loss\n1,0.5\n2,0.2');
  const now = Date.now();
  age(file, now, 100);
  const t = new FileTailer(file, new CsvParser());
  let r = await t.update({ now });
  assert.deepEqual(sv(t, 'loss'), [[1, 0.5]], 'still being written: held back');
  assert.equal(t.incomplete, 1);
  assert.equal(t.trailingBytes, 5);
  r = await t.update({ now: now + SETTLE_MS });
  assert.deepEqual(
    sv(t, 'loss'),
    [
      [1, 0.5],
      [2, 0.2],
    ],
    'quiet for 2 s: taken',
  );
  assert.equal(r.reset, false);
  assert.equal(t.incomplete, 0);
  // The writer comes back and finishes the line ("0.2" was "0.25"): read again from the start, once.
  appendFileSync(file, '5\n3,0.1\n');
  r = await t.update({ now: now + SETTLE_MS + 10 });
  assert.equal(r.reset, true);
  assert.deepEqual(sv(t, 'loss'), [
    [1, 0.5],
    [2, 0.25],
    [3, 0.1],
  ]);
  assert.equal(t.trailingBytes, 0);
});

test('one stray quote in a Lightning metrics.csv costs that row, not the file', async () => {
  const file = join(tmp(), 'metrics.csv');
  writeFileSync(file, 'epoch,step,train_loss\n0,0,1.0\n0,1,0."9\n0,2,0.8\n1,3,0.7\n');
  const run = new Run(file, 'csv');
  await run.update({ final: true });
  // csv-parse's relax_quotes reads 0."9 as a text cell: not a number, so only that value is missing.
  assert.deepEqual(sv(run, 'train_loss'), [
    [0, 1],
    [2, 0.8],
    [3, 0.7],
  ]);
  writeFileSync(file, 'epoch,step,train_loss\n0,0,1.0\n0,1,"0.9\n0,2,0.8\n1,3,0.7\n');
  const run2 = new Run(file, 'csv');
  await run2.update({ final: true });
  assert.deepEqual(sv(run2, 'train_loss'), [
    [0, 1],
    [2, 0.8],
    [3, 0.7],
  ]);
  assert.equal(run2.corrupt, 1);
});

test('UTF-16 (both byte orders) and UTF-8 with a byte-order mark are read', async () => {
  const dir = tmp();
  const text = 'epoch,loss\r\n0,1.5\r\n1,0.5\r\n';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.from(le);
  be.swap16();
  const files: [string, Buffer][] = [
    ['le.csv', le],
    ['be.csv', be],
    ['bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
  ];
  for (const [name, bytes] of files) {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const run = new Run(file, 'csv');
    await run.update({ final: true });
    assert.deepEqual(
      sv(run, 'loss'),
      [
        [0, 1.5],
        [1, 0.5],
      ],
      name,
    );
  }
  const jl = join(dir, 'le.jsonl');
  writeFileSync(jl, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"step": 3, "acc": 0.5}\n', 'utf16le')]));
  const run = new Run(jl, 'jsonl');
  await run.update({ final: true });
  assert.deepEqual(sv(run, 'acc'), [[3, 0.5]]);
});

test('a damaged trainer_state.json is reported as corrupt, not as empty', async () => {
  const file = join(tmp(), 'trainer_state.json');
  writeFileSync(file, '{"log_history": [{"step": 1, "loss": 0.5}, {"step": 2, "loss": 0.4}]}');
  const run = new Run(file, 'hf-trainer-state');
  await run.update({ final: true });
  assert.deepEqual(sv(run, 'loss'), [
    [1, 0.5],
    [2, 0.4],
  ]);
  writeFileSync(file, '{"log_history": [{"step": 1, "loss": 0.5}, {"step": 2, "lo');
  const damaged = new Run(file, 'hf-trainer-state');
  await damaged.update({ final: true });
  assert.equal(damaged.corrupt, 1);
  // A tailer that saw it whole keeps its points while the file is being rewritten, then reports it.
  const now = Date.now();
  age(file, now, 0);
  const t = new FileTailer(file, new TrainerStateParser());
  writeFileSync(file, '{"log_history": [{"step": 1, "loss": 0.5}]}');
  age(file, now, 0);
  await t.update({ now });
  writeFileSync(file, '{"log_history": [{"step": 1, "lo');
  age(file, now, 0);
  await t.update({ now: now + 10 });
  assert.equal(t.corrupt, 0, 'may be half-written');
  await t.update({ now: now + SETTLE_MS });
  assert.equal(t.corrupt, 1);
  assert.deepEqual(sv(t, 'loss'), [[1, 0.5]]);
});

test('event files: a checksummed length past the end is corrupt and the reader resynchronises; a record cut short is incomplete', async () => {
  const dir = tmp();
  const good = [fileVersionRecord(1000), scalarEventRecord(1, 1001, { loss: 1 }), scalarEventRecord(2, 1002, { loss: 0.5 })];
  // A record whose length field claims 200 MB, with a valid length checksum, then two more good records.
  const bad = Buffer.alloc(12 + 20);
  bad.writeUInt32LE(200 * 1024 * 1024, 0);
  bad.writeUInt32LE(maskedCrc32c(bad.subarray(0, 8)), 8);
  const after = [scalarEventRecord(3, 1003, { loss: 0.25 }), scalarEventRecord(4, 1004, { loss: 0.125 })];
  const file = join(dir, 'events.out.tfevents.1.host');
  writeFileSync(file, Buffer.concat([...good, bad, ...after].map((b) => Buffer.from(b))));
  const run = new Run(file, 'tensorboard');
  await run.update({ final: true });
  assert.deepEqual(sv(run, 'loss'), [
    [1, 1],
    [2, 0.5],
    [3, 0.25],
    [4, 0.125],
  ]);
  assert.equal(run.corrupt, 1);
  assert.equal(run.incomplete, 0);
  // A writer that died mid-record: the points before it, and the trailing bytes said.
  const cut = join(dir, 'events.out.tfevents.2.host');
  const last = Buffer.from(scalarEventRecord(5, 1005, { loss: 0.1 }));
  writeFileSync(cut, Buffer.concat([...good.map((b) => Buffer.from(b)), last.subarray(0, last.length - 7)]));
  const run2 = new Run(cut, 'tensorboard');
  await run2.update({ final: true });
  assert.deepEqual(sv(run2, 'loss'), [
    [1, 1],
    [2, 0.5],
  ]);
  assert.equal(run2.corrupt, 0);
  assert.equal(run2.incomplete, 1);
  assert.equal(run2.trailingBytes, last.length - 7);
  // While the file may still be growing, the same bytes are simply waited for.
  const t = new FileTailer(cut, new EventParser());
  const now = Date.now();
  age(cut, now, 0);
  await t.update({ now });
  assert.equal(t.corrupt, 0);
  assert.equal(t.incomplete, 1);
});
