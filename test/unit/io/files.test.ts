import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathInside, printable, readRegularFile, readRegularFileAsync } from '../../../src/core/io/files';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-files-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a regular file, and a symlink to one, are read whole', async () => {
  const f = path.join(tmp, 'a.bin');
  fs.writeFileSync(f, Buffer.from([1, 2, 3, 4, 5]));
  const link = path.join(tmp, 'a-link.bin');
  fs.symlinkSync(f, link);
  assert.deepEqual([...readRegularFile(f)], [1, 2, 3, 4, 5]);
  assert.deepEqual([...readRegularFile(link)], [1, 2, 3, 4, 5]);
  assert.deepEqual([...(await readRegularFileAsync(link))], [1, 2, 3, 4, 5]);
});

test('devices, FIFOs and folders are refused before they are read, also behind a symlink', async () => {
  const zero = path.join(tmp, 'zero.bin');
  fs.symlinkSync('/dev/zero', zero);
  const fifo = path.join(tmp, 'pipe.bin');
  execFileSync('mkfifo', [fifo]);
  const cases: [string, string][] = [
    [zero, `${zero}: a device, not a regular file`],
    [fifo, `${fifo}: a named pipe, not a regular file`],
    [tmp, `${tmp}: a folder, not a regular file`],
  ];
  for (const [file, message] of cases) {
    assert.throws(() => readRegularFile(file), { name: 'InputError', message });
    await assert.rejects(readRegularFileAsync(file), { name: 'InputError', message });
  }
  await assert.rejects(readRegularFileAsync(zero, { what: 'image' }), { message: `${zero}: a device, not an image` });
});

test('a missing file, a dangling or looping symlink: one line each', () => {
  const dangling = path.join(tmp, 'dangling');
  fs.symlinkSync(path.join(tmp, 'nowhere'), dangling);
  const loop = path.join(tmp, 'loop');
  fs.symlinkSync(loop, loop);
  assert.throws(() => readRegularFile(path.join(tmp, 'missing.bin')), { message: `${path.join(tmp, 'missing.bin')}: file not found` });
  assert.throws(() => readRegularFile(dangling), { message: `${dangling}: file not found` });
  assert.throws(() => readRegularFile(loop), { message: `${loop}: a symbolic link that loops` });
});

test('a size limit is checked before reading, with the way to raise it', () => {
  const f = path.join(tmp, 'big.bin');
  fs.writeFileSync(f, Buffer.alloc(2500));
  assert.throws(() => readRegularFile(f, { maxBytes: 2000, what: 'weight shard', raise: '--max-model-bytes' }), {
    message: `${f}: weight shard too large (2.5 kB; the limit is 2.0 kB, raise it with --max-model-bytes)`,
  });
  assert.equal(readRegularFile(f, { maxBytes: 2500 }).length, 2500);
});

test('paths a model names must stay inside its folder', () => {
  const model = path.join(tmp, 'm', 'model.json');
  assert.equal(pathInside(model, 'group1-shard1of1.bin', 'weight shard'), path.join(tmp, 'm', 'group1-shard1of1.bin'));
  assert.equal(pathInside(model, 'sub/../w.bin', 'weight shard'), path.join(tmp, 'm', 'w.bin'));
  assert.throws(() => pathInside(model, '../secret', 'weight shard'), {
    message: `${model}: weight shard path "../secret" leaves the model's folder; only paths inside it are read`,
  });
  assert.throws(() => pathInside(model, 'a/../../../etc/passwd', 'weight shard'), /leaves the model's folder/);
  assert.throws(() => pathInside(model, '/etc/passwd', 'weight shard'), {
    message: `${model}: weight shard path "/etc/passwd" is absolute; only paths inside the model's folder are read`,
  });
  assert.throws(() => pathInside(model, 'C:\\Windows\\x', 'external data'), /is absolute/);
  assert.throws(() => pathInside(model, 42, 'weight shard'), { message: `${model}: malformed weight shard path (a number, not a string)` });
  assert.throws(() => pathInside(model, '', 'weight shard'), { message: `${model}: malformed weight shard path (empty)` });
  assert.throws(() => pathInside(model, '.', 'weight shard'), /leaves the model's folder/);
});

test('printable escapes control characters and shortens long strings', () => {
  assert.equal(printable('a\u0000b\nc'), 'a\\u0000b\\u000ac');
  assert.equal(printable('x'.repeat(100)).length, 80);
});
