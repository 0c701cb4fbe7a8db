import { appendFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileVersionRecord, scalarEventRecord, type ScalarEncoding } from '../../src/core/logs/event-writer';
import { newPoints, Run } from '../../src/core/logs/run';
import { EventType, scalarOf, toNumber, type EventLike } from '../../src/core/logs/event-proto';
import { scanRecords } from '../../src/core/logs/tfrecord';

const now = (): number => performance.now();

/**
 * Log reading: parse throughput of a ~100 MB TensorBoard event file (against reading its bytes
 * alone, same run) and the cost of one incremental update after 1,000 appended points (against
 * reading the whole file again).
 */
export async function logsBench(megabytes = 100): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ml-bench-logs-'));
  const file = join(dir, 'events.out.tfevents.1.bench');
  // 4,000 distinct records (8 tags, the four scalar encodings) repeated with growing steps would
  // cost an encode each; repeating the same bytes keeps the file's making fast and its parse honest.
  const encodings: ScalarEncoding[] = ['simple_value', 'float_val', 'double_val', 'tensor_content'];
  const block = Buffer.concat(
    Array.from({ length: 4000 }, (_, i) => Buffer.from(scalarEventRecord(i, 1.7e9 + i, { [`loss/term${i % 8}`]: Math.sin(i) }, encodings[i % 4]))),
  );
  const fd = openSync(file, 'w');
  writeSync(fd, fileVersionRecord(1.7e9));
  let size = 0;
  let records = 0;
  while (size < megabytes * 1024 * 1024) {
    writeSync(fd, block);
    size += block.length;
    records += 4000;
  }
  closeSync(fd);
  const mb = size / 1024 / 1024;

  const t0 = now();
  readFileSync(file);
  const readMs = now() - t0;
  const t1 = now();
  const run = new Run(file, 'tensorboard');
  await run.update();
  const parseMs = now() - t1;
  let points = 0;
  for (const s of run.tags.values()) points += s.length;
  if (points !== records) throw new Error(`read ${points} points, wrote ${records}`);

  // Reference: the same records decoded as whole Event messages (what the scalar-only decoder replaces).
  const t3 = now();
  let referencePoints = 0;
  scanRecords(readFileSync(file), (payload) => {
    const e = EventType.decode(payload) as unknown as EventLike;
    for (const v of e.summary?.value ?? []) if (scalarOf(v) !== undefined && toNumber(e.step) >= 0) referencePoints++;
  });
  const wholeMs = now() - t3;
  if (referencePoints !== records) throw new Error(`the whole-message decode read ${referencePoints} points`);

  const rounds = 5;
  const incremental: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const add = Buffer.concat(Array.from({ length: 1000 }, (_, i) => Buffer.from(scalarEventRecord(records + r * 1000 + i, 1.8e9, { 'loss/total': i }))));
    appendFileSync(file, add);
    const t = now();
    const d = await run.update();
    incremental.push(now() - t);
    if (newPoints(run, d, 'loss/total').length !== 1000) throw new Error('the incremental update missed points');
  }
  incremental.sort((a, b) => a - b);
  const inc = incremental[Math.floor(rounds / 2)];
  const t2 = now();
  await new Run(file, 'tensorboard').update();
  const rereadMs = now() - t2;

  console.log(`\nTensorBoard event file, ${mb.toFixed(0)} MB, ${(records / 1e6).toFixed(2)} M scalar records (four encodings), node ${process.version}:`);
  console.log(`  read the bytes only          ${readMs.toFixed(0).padStart(7)} ms   ${(mb / (readMs / 1000)).toFixed(0).padStart(6)} MB/s`);
  console.log(
    `  parse (CRC32C + protobuf)    ${parseMs.toFixed(0).padStart(7)} ms   ${(mb / (parseMs / 1000)).toFixed(0).padStart(6)} MB/s   ${(parseMs / readMs).toFixed(1)}× the bare read`,
  );
  console.log(
    `  whole-message decode (ref.) ${wholeMs.toFixed(0).padStart(7)} ms   ${(mb / (wholeMs / 1000)).toFixed(0).padStart(6)} MB/s   ${(wholeMs / parseMs).toFixed(1)}× the scalar-only parse`,
  );
  console.log(`  update after 1,000 appended  ${inc.toFixed(2).padStart(7)} ms   (median of ${rounds})`);
  console.log(`  re-read the whole file       ${rereadMs.toFixed(0).padStart(7)} ms   ${(rereadMs / inc).toFixed(0)}× the incremental update`);
  rmSync(dir, { recursive: true });
}
