import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventFileWriter, type ScalarEncoding } from '../../src/core/logs/event-writer';
import { frameRecord, maskedCrc32c } from '../../src/core/logs/tfrecord';
import { flipBits, insertBytes, truncate } from '../lib/bytes';
import type { Family, Mutator } from '../lib/family';
import type { Outcome } from '../lib/pool';
import { REPO } from '../lib/paths';
import type { Rng } from '../lib/rng';

/** A log run counts as past the first check when at least one of its tags got a point. */
function gotPoints(o: Outcome): boolean {
  if (o.kind !== 'done') return true;
  try {
    return (JSON.parse(o.stdout).runs as { tags: object }[]).some((r) => Object.keys(r.tags).length > 0);
  } catch {
    return false;
  }
}

// ---- TensorBoard event files -------------------------------------------------------------

interface Record_ {
  start: number;
  len: number;
}

function records(b: Uint8Array): Record_[] {
  const out: Record_[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 0; at + 16 <= b.length;) {
    const len = view.getUint32(at, true);
    if (at + 16 + len > b.length) break;
    out.push({ start: at, len });
    at += 16 + len;
  }
  return out;
}

const tfrecordMutators: Mutator[] = [
  {
    name: 'length',
    // A record's length field changed, its header checksum fixed or left stale.
    apply: (f, _d, rng) => {
      const b = new Uint8Array(fs.readFileSync(f));
      const recs = records(b);
      if (!recs.length) return;
      const r = rng.pick(recs);
      const view = new DataView(b.buffer);
      view.setUint32(r.start, rng.pick([0, r.len + 1, r.len - 1, r.len * 3, 200 * 1024 * 1024, 0x7fffffff]) >>> 0, true);
      view.setUint32(r.start + 4, rng.chance(0.2) ? 1 : 0, true);
      if (rng.chance(0.8)) view.setUint32(r.start + 8, maskedCrc32c(b.subarray(r.start, r.start + 8)), true);
      fs.writeFileSync(f, b);
    },
  },
  {
    name: 'payload',
    // The Event protobuf damaged with its checksum fixed: the decoder, not the CRC, must cope.
    apply: (f, _d, rng) => {
      const b = new Uint8Array(fs.readFileSync(f));
      const recs = records(b);
      if (!recs.length) return;
      const r = rng.pick(recs);
      const payload = flipBits(b.subarray(r.start + 12, r.start + 12 + r.len), rng);
      const framed = frameRecord(rng.chance(0.3) ? payload.subarray(0, rng.int(payload.length)) : payload);
      fs.writeFileSync(f, Buffer.concat([b.subarray(0, r.start), framed, b.subarray(r.start + 16 + r.len)]));
    },
  },
  {
    name: 'framing',
    // Cut mid-record, garbage between records, a record twice, a record's footer damaged.
    apply: (f, _d, rng) => {
      const b = new Uint8Array(fs.readFileSync(f));
      const recs = records(b);
      const r = rng.int(4);
      if (r === 0) return fs.writeFileSync(f, truncate(b, rng));
      if (r === 1 && recs.length) return fs.writeFileSync(f, insertBytes(b, rng, rng.pick(recs).start));
      if (r === 2 && recs.length) {
        const x = rng.pick(recs);
        return fs.writeFileSync(
          f,
          Buffer.concat([b.subarray(0, x.start + 16 + x.len), b.subarray(x.start, x.start + 16 + x.len), b.subarray(x.start + 16 + x.len)]),
        );
      }
      fs.writeFileSync(f, flipBits(b, rng));
    },
  },
];

export const tensorboard: Family = {
  name: 'tensorboard',
  seeds: (work) =>
    (['simple_value', 'float_val', 'double_val', 'tensor_content'] as ScalarEncoding[]).map((enc, k) => {
      const dir = path.join(work, `tb-${enc}`);
      fs.mkdirSync(dir, { recursive: true });
      const w = new EventFileWriter(path.join(dir, `events.out.tfevents.${1700000000 + k}.host`), enc);
      for (let step = 0; step < 40; step++) w.add(step, { 'loss/total': 2 / (step + 1), 'loss/kd': 1 / (step + 2), 'val/acc': step / 40 }, 1700000000 + step);
      return { name: `events-${enc}`, dir, main: path.basename(w.path) };
    }),
  mutators: tfrecordMutators,
  argv: (file) => ['curves', file, '--json'],
  pastFirstCheck: gotPoints,
};

// ---- CSV and JSON lines ---------------------------------------------------------------------

function editText(file: string, rng: Rng, edit: (lines: string[]) => void): void {
  const text = fs.readFileSync(file, 'utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  edit(lines);
  fs.writeFileSync(file, lines.join(eol));
}

const at = (lines: string[], rng: Rng): number => rng.int(Math.max(1, lines.length));

function encodingMutator(): Mutator {
  return {
    name: 'encoding',
    // UTF-16 either way, a UTF-8 byte-order mark, CR or CRLF line ends, no final line break.
    apply: (f, _d, rng) => {
      const text = fs.readFileSync(f, 'utf8');
      const r = rng.int(5);
      if (r === 0) return fs.writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      if (r === 1) {
        const be = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
        return fs.writeFileSync(f, be.swap16());
      }
      if (r === 2) return fs.writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
      if (r === 3) return fs.writeFileSync(f, text.replace(/\n/g, rng.pick(['\r', '\r\n'])));
      fs.writeFileSync(f, text.replace(/\s+$/, ''));
    },
  };
}

const bytesMutator: Mutator = {
  name: 'bytes',
  apply: (f, _d, rng) => {
    const b = fs.readFileSync(f);
    fs.writeFileSync(f, rng.chance(0.4) ? truncate(b, rng) : rng.chance(0.5) ? flipBits(b, rng) : insertBytes(b, rng));
  },
};

const csvMutators: Mutator[] = [
  {
    name: 'quotes',
    apply: (f, _d, rng) =>
      editText(f, rng, (lines) => {
        const i = at(lines, rng);
        const l = lines[i];
        const p = rng.int(l.length + 1);
        lines[i] = l.slice(0, p) + rng.pick(['"', '""', '"a,b"', "'"]) + l.slice(p);
      }),
  },
  {
    name: 'cells',
    // Cells that are not numbers, missing, non-finite, huge; a row with a column more or fewer.
    apply: (f, _d, rng) =>
      editText(f, rng, (lines) => {
        const i = 1 + at(lines.slice(1), rng);
        if (i >= lines.length) return;
        const cells = lines[i].split(',');
        const r = rng.int(4);
        if (r === 0) cells[rng.int(cells.length)] = rng.pick(['NA', 'nan', 'inf', '-inf', 'x', '', '1e400', '0x10', '1,5', 'None']);
        else if (r === 1) cells.push(String(rng.interestingNumber()));
        else if (r === 2) cells.pop();
        else cells[rng.int(cells.length)] = 'x'.repeat(rng.pick([100, 100000]));
        lines[i] = cells.join(',');
      }),
  },
  {
    name: 'rows',
    // A header again (an appended restart), a header changed, rows out of order or duplicated, a line joined to the next.
    apply: (f, _d, rng) =>
      editText(f, rng, (lines) => {
        const r = rng.int(5);
        const i = 1 + at(lines.slice(1), rng);
        if (r === 0) lines.splice(i, 0, lines[0]);
        else if (r === 1) lines[0] = lines[0].split(',').reverse().join(',');
        else if (r === 2 && i < lines.length) lines.splice(i, 0, lines[i]);
        else if (r === 3 && i + 1 < lines.length) lines.splice(i, 2, lines[i] + lines[i + 1]);
        else lines.splice(i, 0, '');
      }),
  },
  encodingMutator(),
  bytesMutator,
];

function lightningCsv(dir: string): string {
  const rows = ['epoch,step,train_loss,val_loss,val_acc'];
  for (let s = 0; s < 30; s++) rows.push(s % 10 === 9 ? `${Math.floor(s / 10)},${s},,${1 / (s + 1)},${s / 30}` : `${Math.floor(s / 10)},${s},${2 / (s + 1)},,`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'metrics.csv'), rows.join('\n') + '\n');
  return dir;
}

export const csv: Family = {
  name: 'csv',
  seeds: (work) => [
    ...['teacher', 'student-kd-s1', 'student-scratch-s1'].map((run) => ({
      name: `demo-${run}`,
      dir: path.join(REPO, 'demo', 'runs', run),
      main: 'epochs.csv',
    })),
    { name: 'lightning', dir: lightningCsv(path.join(work, 'lightning', 'version_0')), main: 'metrics.csv' },
  ],
  mutators: csvMutators,
  argv: (file) => ['curves', file, '--json'],
  pastFirstCheck: gotPoints,
};

const jsonlMutators: Mutator[] = [
  {
    name: 'json-values',
    // A value of a record: a string, null, NaN or Infinity as Python writes them, huge, nested.
    apply: (f, _d, rng) =>
      editText(f, rng, (lines) => {
        const i = at(lines, rng);
        lines[i] = lines[i].replace(/(:\s*)(-?[\d.eE+-]+|"[^"]*"|null|true|false)/g, (m, sep: string) =>
          rng.chance(0.3) ? sep + rng.pick(['"x"', 'null', 'NaN', 'Infinity', '-Infinity', '1e999', '[1,2]', '{"a":1}', '"1.5"', '[[[[[[[[[[1]]]]]]]]]]']) : m,
        );
      }),
  },
  {
    name: 'json-syntax',
    // A brace, quote or comma lost or added; a line cut; lines joined; deep nesting.
    apply: (f, _d, rng) =>
      editText(f, rng, (lines) => {
        const i = at(lines, rng);
        const l = lines[i];
        const r = rng.int(5);
        if (r === 0 && l.length) {
          const p = rng.int(l.length);
          lines[i] = l.slice(0, p) + l.slice(p + 1);
        } else if (r === 1) lines[i] = l.slice(0, rng.int(l.length + 1));
        else if (r === 2 && i + 1 < lines.length) lines.splice(i, 2, l + lines[i + 1]);
        else if (r === 3) lines[i] = '['.repeat(10000) + ']'.repeat(10000);
        else lines.splice(i, 0, rng.pick(['{', '}', '[]', '{}', '"step"', '1', '{"step": 1e400, "loss": 1}']));
      }),
  },
  encodingMutator(),
  bytesMutator,
];

function trainerState(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const log_history = Array.from({ length: 20 }, (_, i) =>
    i % 5 === 4 ? { epoch: i / 10, eval_loss: 1 / (i + 1), step: (i + 1) * 10 } : { epoch: i / 10, loss: 2 / (i + 1), learning_rate: 5e-5, step: (i + 1) * 10 },
  );
  fs.writeFileSync(path.join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 200, log_history }, null, 2));
  return dir;
}

export const jsonl: Family = {
  name: 'jsonl',
  seeds: (work) => [
    ...['teacher', 'student-kd-s1'].map((run) => ({ name: `demo-${run}`, dir: path.join(REPO, 'demo', 'runs', run), main: 'train.jsonl' })),
    { name: 'trainer-state', dir: trainerState(path.join(work, 'hf', 'checkpoint-200')), main: 'trainer_state.json' },
  ],
  mutators: jsonlMutators,
  argv: (file) => ['curves', file, '--json'],
  pastFirstCheck: gotPoints,
};
