import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CsvParser } from '../../../src/core/logs/csv';
import { fileVersionRecord, scalarEventRecord } from '../../../src/core/logs/event-writer';
import { JsonLinesParser } from '../../../src/core/logs/jsonl';
import type { ChunkParser } from '../../../src/core/logs/parser';
import { FileTailer } from '../../../src/core/logs/tailer';
import { EventParser } from '../../../src/core/logs/tensorboard';

/**
 * Property: however a log file is written — in any pieces, cut anywhere, mid-line or mid-record —
 * tailing it append by append and taking what is left once the writer is done reads exactly the
 * points of one read of the whole file (nothing lost, nothing twice).
 */
const dir = mkdtempSync(join(tmpdir(), 'ml-props-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const points = (t: FileTailer): string => JSON.stringify([...t.tags].map(([tag, s]) => [tag, s.points().map((p) => [p.step, p.value])]).sort());
let n = 0;

async function sameAsOneRead(bytes: Uint8Array, cuts: number[], parser: () => ChunkParser): Promise<void> {
  const file = join(dir, `log-${n++}`);
  writeFileSync(file, '');
  const tail = new FileTailer(file, parser());
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...at, bytes.length]) {
    appendFileSync(file, bytes.subarray(from, to));
    from = to;
    await tail.update({ now: 0 }); // never quiet: a piece cut mid-line waits for the rest
  }
  await tail.update({ final: true });
  const whole = new FileTailer(file, parser());
  await whole.update({ final: true });
  assert.equal(points(tail), points(whole));
  assert.equal(tail.corrupt, whole.corrupt);
}

const values = fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 40 });
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

test('CSV: any split into appends reads the same points as one read', async () => {
  await fc.assert(
    fc.asyncProperty(values, cuts, fc.boolean(), async (rows, c, finalNewline) => {
      const text = ['step,loss', ...rows.map(([s, v]) => `${s},${v}`)].join('\n') + (finalNewline ? '\n' : '');
      await sameAsOneRead(new TextEncoder().encode(text), c, () => new CsvParser());
    }),
    { numRuns: 60, seed: 7 },
  );
});

test('JSON lines: any split into appends reads the same points as one read', async () => {
  await fc.assert(
    fc.asyncProperty(values, cuts, async (rows, c) => {
      const text = rows.map(([s, v]) => JSON.stringify({ step: s, loss: v })).join('\r\n');
      await sameAsOneRead(new TextEncoder().encode(text), c, () => new JsonLinesParser());
    }),
    { numRuns: 60, seed: 8 },
  );
});

test('TensorBoard events: any split into appends reads the same points as one read', async () => {
  await fc.assert(
    fc.asyncProperty(values, cuts, async (rows, c) => {
      const records = [fileVersionRecord(1), ...rows.map(([s, v], i) => scalarEventRecord(s, 1000 + i, { loss: v }))];
      await sameAsOneRead(Buffer.concat(records.map((r) => Buffer.from(r))), c, () => new EventParser());
    }),
    { numRuns: 60, seed: 9 },
  );
});
