import * as fs from 'node:fs';
import * as path from 'node:path';
import { Reader } from 'protobufjs';
import { ModelType } from '../../src/core/model/onnx/proto';
import { flipBits, truncate } from '../lib/bytes';
import type { Family, Mutator } from '../lib/family';
import type { Outcome } from '../lib/pool';
import { DEMO_IMAGE, REPO } from '../lib/paths';
import type { Rng } from '../lib/rng';

type Obj = Record<string, any>;
const decode = (f: string): Obj => ModelType.toObject(ModelType.decode(fs.readFileSync(f)), { longs: Number, bytes: String, defaults: false }) as Obj;
const encode = (f: string, m: Obj): void => fs.writeFileSync(f, ModelType.encode(ModelType.fromObject(m)).finish());
const OPS = [
  'Conv',
  'MaxPool',
  'Gemm',
  'Relu',
  'Reshape',
  'Concat',
  'Slice',
  'Gather',
  'Pad',
  'Resize',
  'Softmax',
  'Transpose',
  'BatchNormalization',
  'Add',
  'Flatten',
  'ArgMax',
  'Where',
  'TopK',
];

/** A protobuf field: its key bytes as read, and either its value bytes verbatim or (length-delimited) a payload or sub-message. */
interface Field {
  key: Uint8Array;
  wire: number;
  /** The value's bytes for varint and fixed-size fields. */
  value?: Uint8Array;
  payload?: Uint8Array;
  children?: Field[];
}

/** Parses a message into fields, recursing into length-delimited payloads that parse whole as messages. */
function parseMessage(buf: Uint8Array, depth: number): Field[] | undefined {
  const r = new Reader(buf);
  const out: Field[] = [];
  try {
    while (r.pos < buf.length) {
      const start = r.pos;
      const tag = r.uint32();
      const wire = tag & 7;
      if (tag >>> 3 === 0 || wire > 5 || wire === 3 || wire === 4) return undefined;
      const key = buf.subarray(start, r.pos);
      if (wire === 2) {
        const len = r.uint32();
        if (r.pos + len > buf.length) return undefined;
        const payload = buf.subarray(r.pos, r.pos + len);
        r.pos += len;
        const children = depth < 8 && len > 1 ? parseMessage(payload, depth + 1) : undefined;
        out.push(children ? { key, wire, children } : { key, wire, payload });
      } else {
        const from = r.pos;
        r.skipType(wire);
        out.push({ key, wire, value: buf.subarray(from, r.pos) });
      }
    }
  } catch {
    return undefined;
  }
  return out;
}

function varint(v: number): number[] {
  const bytes: number[] = [];
  let x = v >>> 0;
  do {
    bytes.push((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
    x >>>= 7;
  } while (x);
  return bytes;
}

/** Fields back to bytes, every length computed anew. */
function serialize(fields: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(f.key);
    if (f.wire !== 2) parts.push(f.value!);
    else {
      const body = f.children ? serialize(f.children) : f.payload!;
      parts.push(Uint8Array.from(varint(body.length)), body);
    }
  }
  return Buffer.concat(parts);
}

/** Every length-delimited field, with the list it sits in. */
function delimited(fields: Field[], out: [Field, Field[]][] = []): [Field, Field[]][] {
  for (const f of fields) {
    if (f.wire !== 2) continue;
    out.push([f, fields]);
    if (f.children) delimited(f.children, out);
  }
  return out;
}

/**
 * A length-delimited field grown, shrunk, duplicated or dropped with every enclosing length
 * recomputed (so the file still decodes and the damage reaches the model: raw data shorter than
 * its dims, packed dims with a value fewer, a node without an attribute); or, a third of the time,
 * a length prefix written wrong in place.
 */
function mutateLengths(buf: Uint8Array, rng: Rng): Uint8Array {
  const top = parseMessage(buf, 0);
  if (!top) return flipBits(buf, rng);
  const all = delimited(top);
  if (!all.length) return buf;
  const [f, siblings] = rng.pick(all);
  if (rng.chance(0.33)) {
    // A stale length: the bytes stay, the prefix lies.
    const body = f.children ? serialize(f.children) : f.payload!;
    const wrong = rng.pick([0, body.length + 1, Math.max(0, body.length - 1), body.length * 2 + 7, 0x7fffffff]);
    const bytes = serialize(top);
    const at = Buffer.from(bytes).indexOf(Buffer.concat([f.key, Uint8Array.from(varint(body.length)), body.subarray(0, 8)]));
    if (at < 0) return bytes;
    const lenAt = at + f.key.length;
    const old = varint(body.length).length;
    return Buffer.concat([bytes.subarray(0, lenAt), Uint8Array.from(varint(wrong)), bytes.subarray(lenAt + old)]);
  }
  const r = rng.int(4);
  if (r === 0) siblings.splice(siblings.indexOf(f), 1);
  else if (r === 1) siblings.splice(siblings.indexOf(f), 0, f);
  else if (f.children) {
    if (f.children.length) f.children.splice(rng.int(f.children.length), 1);
  } else {
    const p = f.payload!;
    f.payload = r === 2 ? p.subarray(0, rng.int(p.length + 1)) : Buffer.concat([p, Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256))]);
  }
  return serialize(top);
}

const nodeOf = (m: Obj, rng: Rng): Obj | undefined => (m.graph?.node?.length ? rng.pick(m.graph.node as Obj[]) : undefined);

const mutators: Mutator[] = [
  {
    name: 'initializer',
    // dims negative, zero or huge; the data type changed; the data cut short.
    apply: (f, _d, rng) => {
      const m = decode(f);
      const inits = (m.graph?.initializer ?? []) as Obj[];
      if (!inits.length) return;
      const t = rng.pick(inits);
      const r = rng.int(4);
      if (r === 0 && t.dims?.length) t.dims[rng.int(t.dims.length)] = rng.pick([-1, -5, 0, 1e9, 2 ** 31, 3]);
      else if (r === 1) t.dataType = rng.pick([0, 2, 3, 6, 7, 8, 9, 10, 11, 16, 99]);
      else if (r === 2 && t.rawData)
        t.rawData = Buffer.from(t.rawData, 'base64')
          .subarray(0, rng.int(Buffer.from(t.rawData, 'base64').length))
          .toString('base64');
      else t.dims = [...(t.dims ?? []), rng.pick([2, 1e6])];
      encode(f, m);
    },
  },
  {
    name: 'attribute',
    // strides, pads, kernels, axes, perms…: ints and floats an exporter writes.
    apply: (f, _d, rng) => {
      const m = decode(f);
      const n = nodeOf(m, rng);
      if (!n) return;
      const attrs = (n.attribute ?? []) as Obj[];
      if (attrs.length && rng.chance(0.8)) {
        const a = rng.pick(attrs);
        if (a.ints?.length) a.ints = a.ints.map((v: number) => (rng.chance(0.5) ? rng.interestingNumber() : v));
        else if (a.i !== undefined) a.i = rng.interestingNumber();
        else if (a.f !== undefined) a.f = rng.pick([NaN, Infinity, -1, 0, 1e30]);
        else a.ints = [rng.interestingNumber()];
      } else {
        attrs.push({
          name: rng.pick(['axis', 'pads', 'strides', 'kernel_shape', 'perm', 'group', 'dilations']),
          type: 7,
          ints: [rng.interestingNumber(), rng.interestingNumber()],
        });
        n.attribute = attrs;
      }
      encode(f, m);
    },
  },
  {
    name: 'graph-structure',
    // An operator swapped, an input renamed or removed, a node or an output dropped, the input shape changed.
    apply: (f, _d, rng) => {
      const m = decode(f);
      const g = m.graph ?? {};
      const n = nodeOf(m, rng);
      const r = rng.int(5);
      if (r === 0 && n) n.opType = rng.pick(OPS);
      else if (r === 1 && n?.input?.length) n.input[rng.int(n.input.length)] = rng.pick(['', 'nowhere', n.output?.[0] ?? 'x']);
      else if (r === 2 && g.node?.length) g.node.splice(rng.int(g.node.length), 1);
      else if (r === 3 && g.output?.length) g.output = rng.chance(0.5) ? [] : [{ name: 'missing' }];
      else {
        const dims = g.input?.[0]?.type?.tensorType?.shape?.dim as Obj[] | undefined;
        if (dims?.length) dims[rng.int(dims.length)] = rng.pick([{ dimValue: 0 }, { dimValue: -3 }, { dimValue: 1e9 }, { dimParam: 'N' }, {}]);
      }
      encode(f, m);
    },
  },
  { name: 'length-prefix', apply: (f, _d, rng) => fs.writeFileSync(f, mutateLengths(new Uint8Array(fs.readFileSync(f)), rng)) },
  {
    name: 'bytes',
    apply: (f, _d, rng) => {
      const b = fs.readFileSync(f);
      fs.writeFileSync(f, rng.chance(0.5) ? truncate(b, rng) : flipBits(b, rng));
    },
  },
];

const FIRST_CHECK = /not a readable ONNX model \(the file is truncated or corrupt\)|file not found$/;

export const onnx: Family = {
  name: 'onnx',
  seeds: () =>
    ['small-cnn', 'small-cnn-opset9', 'dw-residual', 'softmax-head'].map((n) => ({
      name: n,
      dir: path.join(REPO, 'test', 'fixtures', 'onnx'),
      main: `${n}.onnx`,
    })),
  mutators,
  argv: (file, rng) => (rng.chance(0.4) ? ['summary', file] : ['explain', file, DEMO_IMAGE, '--method', rng.pick(['gradcam', 'saliency'])]),
  pastFirstCheck: (o: Outcome) => o.kind !== 'done' || !FIRST_CHECK.test(o.stderr),
};
