import { type Rng } from './rng';

/** Byte-level mutations every family can fall back on. */
export function truncate(b: Uint8Array, rng: Rng): Uint8Array {
  return b.subarray(0, rng.int(Math.max(1, b.length)));
}

export function flipBits(b: Uint8Array, rng: Rng, from = 0, to = b.length): Uint8Array {
  const out = Uint8Array.from(b);
  if (to <= from) return out;
  const n = 1 + rng.int(8);
  for (let i = 0; i < n; i++) out[from + rng.int(to - from)] ^= 1 << rng.int(8);
  return out;
}

export function insertBytes(b: Uint8Array, rng: Rng, at = rng.int(b.length + 1)): Uint8Array {
  const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
  const out = new Uint8Array(b.length + extra.length);
  out.set(b.subarray(0, at));
  out.set(extra, at);
  out.set(b.subarray(at), at + extra.length);
  return out;
}

export function deleteRange(b: Uint8Array, rng: Rng): Uint8Array {
  if (b.length < 2) return b;
  const at = rng.int(b.length);
  const n = 1 + rng.int(Math.min(64, b.length - at));
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, at));
  out.set(b.subarray(at + n), at);
  return out;
}

/** Writes a 32-bit value (one of the interesting ones) at a position, in the given byte order. */
export function overwrite32(b: Uint8Array, at: number, value: number, littleEndian: boolean): Uint8Array {
  const out = Uint8Array.from(b);
  if (at + 4 > out.length) return out;
  new DataView(out.buffer).setUint32(at, value >>> 0, littleEndian);
  return out;
}

/** One of the generic byte mutations, at random. */
export function anyByteMutation(b: Uint8Array, rng: Rng): Uint8Array {
  switch (rng.int(4)) {
    case 0:
      return truncate(b, rng);
    case 1:
      return flipBits(b, rng);
    case 2:
      return insertBytes(b, rng);
    default:
      return deleteRange(b, rng);
  }
}

export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(needle), from);
}
