import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scalarEventRecord, fileVersionRecord } from '../../src/core/logs/event-writer';
import { newPoints, Run } from '../../src/core/logs/run';

/** Appends `src` to `dst` in random-sized chunks (1 byte to 3 records), flushing each, with pauses. */
const APPENDER = `
const fs = require('node:fs');
const [src, dst, seed] = process.argv.slice(1);
const bytes = fs.readFileSync(src);
let s = Number(seed);
const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
const fd = fs.openSync(dst, 'a');
let pos = 0;
const step = () => {
  if (pos >= bytes.length) { fs.closeSync(fd); return; }
  const n = Math.max(1, Math.floor(rand() * 150));
  fs.writeSync(fd, bytes, pos, Math.min(n, bytes.length - pos));
  pos += n;
  setTimeout(step, rand() < 0.2 ? 2 : 0);
};
step();
`;

test('an event file read while another process appends to it in random-sized chunks yields exactly the points written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-tail-'));
  const expected: [number, number, number][] = [];
  const records = [fileVersionRecord(1)];
  const encodings = ['simple_value', 'float_val', 'double_val', 'tensor_content'] as const;
  for (let step = 0; step < 400; step++) {
    const value = Math.fround(Math.sin(step / 7) * 10);
    records.push(scalarEventRecord(step, 1000 + step, { 'loss/total': value }, encodings[step % 4]));
    expected.push([step, 1000 + step, value]);
  }
  const src = join(dir, 'all.bin');
  writeFileSync(src, Buffer.concat(records.map((r) => Buffer.from(r))));
  const file = join(dir, 'events.out.tfevents.1.test');
  writeFileSync(file, '');
  const run = new Run(file, 'tensorboard');
  const child = spawn(process.execPath, ['-e', APPENDER, src, file, '7'], { stdio: 'inherit' });
  const done = new Promise((resolve) => child.on('exit', resolve));
  let exited = false;
  void done.then(() => (exited = true));
  let updates = 0;
  let seen = 0;
  while (!exited) {
    const d = await run.update();
    assert.equal(d.reset, false);
    assert.equal(d.corrupt, 0);
    seen += newPoints(run, d, 'loss/total').length;
    updates++;
    await new Promise((r) => setTimeout(r, 1));
  }
  seen += newPoints(run, await run.update(), 'loss/total').length;
  const got = run.tags
    .get('loss/total')!
    .points()
    .map((p) => [p.step, p.wall, p.value]);
  assert.equal(seen, expected.length);
  assert.deepEqual(got, expected);
  assert.ok(updates > 10, `only ${updates} reads happened while the file grew`);
  assert.equal(run.corrupt, 0);
  rmSync(dir, { recursive: true });
});
