import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRuns, openRun } from '../../../src/core/logs/discover';
import { fileVersionRecord, scalarEventRecord } from '../../../src/core/logs/event-writer';
import { EventType } from '../../../src/core/logs/event-proto';
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
  assert.deepEqual(specs, [{ path: dir }, { path: keras }]);
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
