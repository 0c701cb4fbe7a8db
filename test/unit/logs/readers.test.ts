import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvParser } from '../../../src/core/logs/csv';
import { findRuns, openRun } from '../../../src/core/logs/discover';
import { fileVersionRecord, scalarEventRecord } from '../../../src/core/logs/event-writer';
import { EventType } from '../../../src/core/logs/event-proto';
import { JsonLinesParser, parsePythonJson } from '../../../src/core/logs/jsonl';
import { newPoints, Run } from '../../../src/core/logs/run';
import type { Point, TagMap } from '../../../src/core/logs/series';
import { frameRecord, maskedCrc32c } from '../../../src/core/logs/tfrecord';
import { EventParser } from '../../../src/core/logs/tensorboard';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ml-logs-'));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
const pts = (tags: TagMap, tag: string): Point[] => tags.get(tag)?.points() ?? [];
const sv = (tags: TagMap, tag: string): [number, number][] => pts(tags, tag).map((p) => [p.step, p.value]);

test('masked CRC32C matches the TFRecord reference values', () => {
  // CRC32C("123456789") = 0xE3069283 (the standard check value); the mask is TensorFlow's.
  const c = 0xe3069283;
  assert.equal(maskedCrc32c(enc('123456789')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  // An empty record as TensorFlow frames it: length 0, masked CRC of 8 zero bytes, and of nothing.
  const r = frameRecord(new Uint8Array(0));
  assert.deepEqual([...r.subarray(0, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(new DataView(r.buffer).getUint32(12, true), 0xa282ead8); // CRC32C('') = 0, masked
});

test('TensorBoard: all four scalar encodings give the written values, wall times and steps', () => {
  const bytes = concat(
    fileVersionRecord(1000),
    scalarEventRecord(1, 1001.5, { a: 0.5 }, 'simple_value'),
    scalarEventRecord(2, 1002.25, { a: 1.25 }, 'float_val'),
    scalarEventRecord(3, 1003, { a: 0.1 }, 'double_val'),
    scalarEventRecord(4, 1004, { a: 0.1 }, 'tensor_content', true),
    scalarEventRecord(5, 1005, { a: 0.1 }, 'tensor_content'),
  );
  const tags: TagMap = new Map();
  const r = new EventParser().parse(bytes, tags);
  assert.deepEqual(r, { consumed: bytes.length, corrupt: 0 });
  assert.deepEqual(pts(tags, 'a'), [
    { step: 1, wall: 1001.5, value: 0.5 },
    { step: 2, wall: 1002.25, value: 1.25 },
    { step: 3, wall: 1003, value: 0.1 }, // double_val keeps float64
    { step: 4, wall: 1004, value: 0.1 }, // float64 tensor_content
    { step: 5, wall: 1005, value: Math.fround(0.1) }, // float32 tensor_content
  ]);
});

test('TensorBoard: tensors of more than one element, strings and other dtypes are not scalars', () => {
  const record = (value: object): Uint8Array =>
    frameRecord(EventType.encode(EventType.fromObject({ step: 7, wallTime: 1, summary: { value: [value] } })).finish());
  const tags: TagMap = new Map();
  new EventParser().parse(
    concat(
      record({ tag: 'hist', tensor: { dtype: 1, tensorShape: { dim: [{ size: 2 }] }, floatVal: [1, 2] } }),
      record({ tag: 'int', tensor: { dtype: 3, tensorShape: {}, tensorContent: new Uint8Array(4) } }),
      record({ tag: 'ok', tensor: { dtype: 1, tensorShape: { dim: [{ size: 1 }, { size: 1 }] }, floatVal: [3] } }),
    ),
    tags,
  );
  assert.deepEqual([...tags.keys()], ['ok']);
  assert.deepEqual(sv(tags, 'ok'), [[7, 3]]);
});

test('TensorBoard: NaN and ±Infinity are kept; int64 steps beyond 2^32 are exact', () => {
  const tags: TagMap = new Map();
  new EventParser().parse(concat(scalarEventRecord(2 ** 33 + 1, 1, { x: NaN, y: Infinity }, 'double_val'), scalarEventRecord(3, 1, { y: -Infinity })), tags);
  assert.ok(Number.isNaN(pts(tags, 'x')[0].value));
  assert.equal(pts(tags, 'x')[0].step, 2 ** 33 + 1);
  assert.deepEqual(sv(tags, 'y'), [
    [2 ** 33 + 1, Infinity],
    [3, -Infinity],
  ]);
});

test('TensorBoard: a bad payload or length checksum skips that record and is counted; the rest is read', () => {
  const recs = [1, 2, 3, 4].map((s) => scalarEventRecord(s, 1, { a: s }));
  const payloadBad = concat(...recs);
  payloadBad[recs[0].length + 14] ^= 0xff; // inside record 2's payload
  let tags: TagMap = new Map();
  assert.deepEqual(new EventParser().parse(payloadBad, tags), { consumed: payloadBad.length, corrupt: 1 });
  assert.deepEqual(sv(tags, 'a'), [
    [1, 1],
    [3, 3],
    [4, 4],
  ]);

  const lengthBad = concat(...recs);
  lengthBad[recs[0].length + 1] ^= 0x40; // record 2's length: resynchronise on record 3
  tags = new Map();
  assert.deepEqual(new EventParser().parse(lengthBad, tags), { consumed: lengthBad.length, corrupt: 1 });
  assert.deepEqual(sv(tags, 'a'), [
    [1, 1],
    [3, 3],
    [4, 4],
  ]);

  // A record whose checksums hold but whose payload is not an Event.
  tags = new Map();
  assert.deepEqual(new EventParser().parse(concat(frameRecord(Uint8Array.of(0xff, 0xff, 0xff)), recs[3]), tags).corrupt, 1);
  assert.deepEqual(sv(tags, 'a'), [[4, 4]]);
});

test('TensorBoard: a record still being written stops the read there, with no error, and is read later', () => {
  const all = concat(scalarEventRecord(1, 1, { a: 1 }), scalarEventRecord(2, 1, { a: 2 }));
  const first = scalarEventRecord(1, 1, { a: 1 }).length;
  for (const cut of [first + 3, first + 12, all.length - 1]) {
    const tags: TagMap = new Map();
    const p = new EventParser();
    assert.deepEqual(p.parse(all.subarray(0, cut), tags), { consumed: first, corrupt: 0 }, `cut at ${cut}`);
    assert.deepEqual(p.parse(all.subarray(first), tags), { consumed: all.length - first, corrupt: 0 });
    assert.deepEqual(sv(tags, 'a'), [
      [1, 1],
      [2, 2],
    ]);
  }
});

test('TensorBoard run: event files in name order (a restart repeats steps, all kept) and Keras train/ and validation/ sub-folders', async () => {
  const dir = tmp();
  writeFileSync(
    join(dir, 'events.out.tfevents.100.host'),
    concat(fileVersionRecord(1), scalarEventRecord(0, 1, { loss: 3 }), scalarEventRecord(1, 2, { loss: 2 })),
  );
  writeFileSync(
    join(dir, 'events.out.tfevents.200.host'),
    concat(fileVersionRecord(1), scalarEventRecord(1, 3, { loss: 2.5 }), scalarEventRecord(2, 4, { loss: 1 })),
  );
  const keras = join(dir, 'fit');
  mkdirSync(join(keras, 'train'), { recursive: true });
  mkdirSync(join(keras, 'validation'));
  writeFileSync(join(keras, 'train', 'events.out.tfevents.1.v2'), concat(fileVersionRecord(1), scalarEventRecord(0, 1, { epoch_loss: 0.9 }, 'tensor_content')));
  writeFileSync(
    join(keras, 'validation', 'events.out.tfevents.1.v2'),
    concat(fileVersionRecord(1), scalarEventRecord(0, 1, { epoch_loss: 1.5 }, 'tensor_content')),
  );
  const specs = await findRuns(dir);
  assert.deepEqual(specs, [
    { path: dir, format: 'tensorboard' },
    { path: keras, format: 'tensorboard' },
  ]);
  const [run, kerasRun] = specs.map(openRun);
  await run.update();
  assert.deepEqual(sv(run.tags, 'loss'), [
    [0, 3],
    [1, 2],
    [1, 2.5],
    [2, 1],
  ]);
  await kerasRun.update();
  assert.deepEqual([...kerasRun.tags.keys()].sort(), ['train/epoch_loss', 'validation/epoch_loss']);
  assert.deepEqual(sv(kerasRun.tags, 'validation/epoch_loss'), [[0, 1.5]]);
  // A third event file appears (another restart): picked up, and the merged series rebuilt.
  writeFileSync(join(dir, 'events.out.tfevents.300.host'), concat(fileVersionRecord(1), scalarEventRecord(2, 5, { loss: 0.5 })));
  const delta = await run.update();
  assert.equal(delta.reset, true);
  assert.deepEqual(sv(run.tags, 'loss'), [
    [0, 3],
    [1, 2],
    [1, 2.5],
    [2, 1],
    [2, 0.5],
  ]);
  rmSync(dir, { recursive: true });
});

test('CSV: Keras CSVLogger with NA, and LF, CRLF and CR line endings give the same points', () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = ['epoch,loss,val_loss', '0,1.5,NA', '1,1.25,1.75', '2,nan,inf', ''].join(eol);
    const tags: TagMap = new Map();
    const r = new CsvParser().parse(enc(text), tags);
    assert.equal(r.consumed, text.length, JSON.stringify(eol));
    assert.deepEqual(sv(tags, 'loss').slice(0, 2), [
      [0, 1.5],
      [1, 1.25],
    ]);
    assert.ok(Number.isNaN(pts(tags, 'loss')[2].value));
    assert.deepEqual(sv(tags, 'val_loss'), [
      [1, 1.75],
      [2, Infinity],
    ]);
    assert.ok(!tags.has('epoch'));
  }
});

test('CSV: a line still being written waits; a header repeated after an appended restart takes over', () => {
  const p = new CsvParser();
  const tags: TagMap = new Map();
  const a = 'epoch,loss\n0,2\n1,1.';
  assert.equal(p.parse(enc(a), tags).consumed, 'epoch,loss\n0,2\n'.length);
  const b = '1,1.5\nepoch,loss,acc\n0,3,0.25\n1,2.5,0.5\n';
  assert.equal(p.parse(enc(b), tags).consumed, b.length);
  assert.deepEqual(sv(tags, 'loss'), [
    [0, 2],
    [1, 1.5],
    [0, 3],
    [1, 2.5],
  ]);
  assert.deepEqual(sv(tags, 'acc'), [
    [0, 0.25],
    [1, 0.5],
  ]);
});

test('CSV: Lightning metrics.csv sparse rows use the step column; epoch is a tag there', () => {
  const text = 'epoch,step,train_loss,val_loss\n0,49,0.9,\n0,99,0.7,\n0,99,,0.8\n1,149,0.5,\n';
  const tags: TagMap = new Map();
  new CsvParser().parse(enc(text), tags);
  assert.deepEqual(sv(tags, 'train_loss'), [
    [49, 0.9],
    [99, 0.7],
    [149, 0.5],
  ]);
  assert.deepEqual(sv(tags, 'val_loss'), [[99, 0.8]]);
  assert.deepEqual(sv(tags, 'epoch'), [
    [49, 0],
    [99, 0],
    [99, 0],
    [149, 1],
  ]);
});

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
  assert.deepEqual(spec, { path: file, format: 'hf-trainer-state' });
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

test('MLflow file store: one file per metric (nested keys too), run_name from meta.yaml, lines with and without a step', async () => {
  const dir = tmp();
  const runDir = join(dir, 'mlruns', '0', 'abc123');
  mkdirSync(join(runDir, 'metrics', 'loss'), { recursive: true });
  writeFileSync(join(runDir, 'meta.yaml'), 'artifact_uri: file:///x\nrun_id: abc123\nrun_name: student-kd\nstatus: 1\n');
  writeFileSync(join(runDir, 'metrics', 'accuracy'), '1700000000000 0.5 0\n1700000001000 0.75 1\n');
  writeFileSync(join(runDir, 'metrics', 'loss', 'kd'), '1700000000000 2.5\n1700000002000 NaN 3\nbroken\n');
  const specs = await findRuns(dir);
  assert.deepEqual(specs, [{ path: runDir, format: 'mlflow', name: 'student-kd' }]);
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

test('findRuns: a missing path and a file of no log format are one-line errors naming them', async () => {
  await assert.rejects(findRuns('/nonexistent/runs'), { message: '/nonexistent/runs: no such file or folder' });
  const dir = tmp();
  writeFileSync(join(dir, 'model.json'), '{}');
  await assert.rejects(findRuns(join(dir, 'model.json')), {
    message: `${join(dir, 'model.json')}: not a training log (expected a TensorBoard event file, .csv, .jsonl, metrics.json, scalars.json or trainer_state.json)`,
  });
  rmSync(dir, { recursive: true });
});

test("smoothing is TensorBoard's debiased EMA (hand-computed), with gaps kept; sparkline and value format", async () => {
  const { smooth, sparkline, formatValue } = await import('../../../src/core/logs/smooth');
  // w = 0.5: last = 0.5·1 = 0.5 → /0.5 = 1; last = 0.25 + 1.5 = 1.75 → /0.75 = 2.3333…; NaN stays;
  // last = 0.875 + 0.5·5 = 3.375 → /0.875 = 3.857142…
  const s = smooth([1, 3, NaN, 5], 0.5);
  assert.equal(s[0], 1);
  assert.ok(Math.abs(s[1] - 7 / 3) < 1e-12);
  assert.ok(Number.isNaN(s[2]));
  assert.ok(Math.abs(s[3] - 3.375 / 0.875) < 1e-12);
  assert.deepEqual(smooth([1, 2, Infinity], 0), [1, 2, Infinity]);
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([1, NaN, 3], 3), '▁ █');
  assert.equal(sparkline([0, 0, 10, 10], 2), '▁█'); // bucket means
  assert.deepEqual([0.362345, 1234.5678, 0.0001234, NaN, -Infinity, 2].map(formatValue), ['0.3623', '1235', '1.23e-4', 'NaN', '-Inf', '2']);
});

test('the fast scalar decoder agrees with decoding the whole Event message (every encoding, several values per event, non-scalars skipped)', async () => {
  const { ScalarEventDecoder } = await import('../../../src/core/logs/event-decode');
  const { scalarOf, toNumber } = await import('../../../src/core/logs/event-proto');
  const events = [
    {
      step: 3,
      wallTime: 1.5,
      summary: {
        value: [
          { tag: 'a', simpleValue: 0.25 },
          { tag: 'b/é', simpleValue: -2 },
        ],
      },
    },
    {
      step: 2 ** 40 + 3,
      wallTime: 2,
      summary: {
        value: [
          { tag: 'a', tensor: { dtype: 1, tensorShape: {}, floatVal: [1.5] } },
          { tag: 'd', tensor: { dtype: 2, tensorShape: { dim: [{ size: 1 }] }, doubleVal: [0.1] } },
        ],
      },
    },
    {
      step: 5,
      wallTime: 3,
      summary: {
        value: [
          { tag: 'hist', tensor: { dtype: 1, tensorShape: { dim: [{ size: 3 }] }, floatVal: [1, 2, 3] } },
          {
            tag: 'c',
            tensor: { dtype: 2, tensorShape: {}, tensorContent: new Uint8Array(new Float64Array([0.3]).buffer) },
            metadata: { pluginData: { pluginName: 'scalars' } },
          },
        ],
      },
    },
    { step: 6, wallTime: 4, fileVersion: 'brain.Event:2' },
    {
      step: 7,
      summary: {
        value: [
          { tag: 'text', tensor: { dtype: 7, tensorShape: {} } },
          { tag: 'nan', simpleValue: NaN },
        ],
      },
    },
  ];
  const decoder = new ScalarEventDecoder();
  for (const e of events) {
    const bytes = EventType.encode(EventType.fromObject(e)).finish();
    const fast: unknown[] = [];
    decoder.decode(bytes, (tag, step, wall, value) => fast.push([tag, step, wall, value]));
    const full = EventType.decode(bytes) as unknown as { step: number; wallTime?: number; summary?: { value: Parameters<typeof scalarOf>[0][] } };
    const slow = (full.summary?.value ?? []).flatMap((v) => {
      const x = scalarOf(v);
      return x === undefined ? [] : [[v.tag, toNumber(full.step), full.wallTime || NaN, x]];
    });
    assert.deepEqual(fast, slow, JSON.stringify(e.summary ?? {}));
  }
});
