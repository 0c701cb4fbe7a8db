import { Reader } from 'protobufjs/minimal';
import { DT_DOUBLE, DT_FLOAT } from './event-proto';

/**
 * A fast path for the one thing the curves need from an `Event`: its scalars. protobufjs's low-level
 * Reader walks the wire format field by field, skipping everything that is not a scalar value
 * (images, histograms, text, graph defs) without decoding it, and creates no message objects; tag
 * strings are cached by their bytes, since a run logs the same few tags millions of times. Same
 * results as decoding with the `Event` type and `scalarOf` (tested on every encoding).
 */
export class ScalarEventDecoder {
  private readonly tags = new Map<number, { bytes: Uint8Array; tag: string }[]>();
  private readonly utf8 = new TextDecoder();

  /** Calls `onScalar` for each scalar of the event in `buf`; throws on malformed bytes. */
  decode(buf: Uint8Array, onScalar: (tag: string, step: number, wall: number, value: number) => void): void {
    const r = Reader.create(buf);
    let wall = NaN;
    let step = 0;
    const summaries: [number, number][] = [];
    while (r.pos < r.len) {
      const key = r.uint32();
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 1 && wire === 1) wall = r.double();
      else if (field === 2 && wire === 0) step = readVarint(r);
      else if (field === 5 && wire === 2) {
        const len = r.uint32();
        summaries.push([r.pos, r.pos + len]);
        r.skip(len);
      } else r.skipType(wire);
    }
    for (const [start, end] of summaries) {
      r.pos = start;
      while (r.pos < end) {
        const key = r.uint32();
        if (key >>> 3 === 1 && (key & 7) === 2) {
          const len = r.uint32();
          const valueEnd = r.pos + len;
          this.value(r, buf, valueEnd, step, wall, onScalar);
          r.pos = valueEnd;
        } else r.skipType(key & 7);
      }
    }
  }

  /** One Summary.Value: tag (1), simple_value (2), tensor (8). */
  private value(
    r: Reader,
    buf: Uint8Array,
    end: number,
    step: number,
    wall: number,
    onScalar: (tag: string, step: number, wall: number, value: number) => void,
  ): void {
    let tag: string | undefined;
    let value: number | undefined;
    while (r.pos < end) {
      const key = r.uint32();
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 1 && wire === 2) {
        const len = r.uint32();
        tag = this.tag(buf.subarray(r.pos, r.pos + len));
        r.skip(len);
      } else if (field === 2 && wire === 5) value = r.float();
      else if (field === 8 && wire === 2) {
        const len = r.uint32();
        value = tensorScalar(r, r.pos + len);
      } else r.skipType(wire);
    }
    if (tag !== undefined && value !== undefined) onScalar(tag, step, wall, value);
  }

  private tag(bytes: Uint8Array): string {
    const h = bytes.length * 31 + (bytes[0] ?? 0) * 7 + (bytes[bytes.length - 1] ?? 0);
    const bucket = this.tags.get(h);
    if (bucket) {
      for (const e of bucket) if (e.bytes.length === bytes.length && e.bytes.every((b, i) => b === bytes[i])) return e.tag;
    }
    const tag = this.utf8.decode(bytes);
    const entry = { bytes: bytes.slice(), tag };
    if (bucket) bucket.push(entry);
    else this.tags.set(h, [entry]);
    return tag;
  }
}

/** An int64 varint as a number (exact up to 2⁵³). */
function readVarint(r: Reader): number {
  const buf = (r as unknown as { buf: Uint8Array }).buf;
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const b = buf[r.pos++];
    result += (b & 0x7f) * scale;
    if (b < 0x80) return i === 9 && b === 1 ? result - 2 ** 64 : result;
    scale *= 128;
  }
  throw new Error('invalid varint');
}

/** The scalar of a TensorProto (dtype 1, shape 2, tensor_content 4, float_val 5, double_val 6), or undefined. */
function tensorScalar(r: Reader, end: number): number | undefined {
  const buf = (r as unknown as { buf: Uint8Array }).buf;
  let dtype = 0;
  let elements = 1;
  let content: [number, number] | undefined;
  const floats: number[] = [];
  const doubles: number[] = [];
  while (r.pos < end) {
    const key = r.uint32();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === 0) dtype = r.int32();
    else if (field === 2 && wire === 2) {
      const shapeEnd = r.uint32() + r.pos;
      while (r.pos < shapeEnd) {
        const k = r.uint32();
        if (k >>> 3 === 2 && (k & 7) === 2) {
          const dimEnd = r.uint32() + r.pos;
          while (r.pos < dimEnd) {
            const dk = r.uint32();
            if (dk >>> 3 === 1 && (dk & 7) === 0) elements *= readVarint(r);
            else r.skipType(dk & 7);
          }
        } else r.skipType(k & 7);
      }
    } else if (field === 4 && wire === 2) {
      const len = r.uint32();
      content = [r.pos, len];
      r.skip(len);
    } else if (field === 5 && wire === 2) {
      const fend = r.uint32() + r.pos;
      while (r.pos < fend) floats.push(r.float());
    } else if (field === 5 && wire === 5) floats.push(r.float());
    else if (field === 6 && wire === 2) {
      const dend = r.uint32() + r.pos;
      while (r.pos < dend) doubles.push(r.double());
    } else if (field === 6 && wire === 1) doubles.push(r.double());
    else r.skipType(wire);
  }
  if (elements !== 1) return undefined;
  if (floats.length === 1 && (dtype === 0 || dtype === DT_FLOAT)) return floats[0];
  if (doubles.length === 1 && dtype === DT_DOUBLE) return doubles[0];
  if (content) {
    const view = new DataView(buf.buffer, buf.byteOffset + content[0], content[1]);
    if (dtype === DT_FLOAT && content[1] === 4) return view.getFloat32(0, true);
    if (dtype === DT_DOUBLE && content[1] === 8) return view.getFloat64(0, true);
  }
  return undefined;
}
