import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { CsvParser } from '../../../src/core/logs/csv';
import type { Point, TagMap } from '../../../src/core/logs/series';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const pts = (tags: TagMap, tag: string): Point[] => tags.get(tag)?.points() ?? [];
const sv = (tags: TagMap, tag: string): [number, number][] => pts(tags, tag).map((p) => [p.step, p.value]);

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
