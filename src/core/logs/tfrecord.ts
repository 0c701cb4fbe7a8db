import * as CRC32C from 'crc-32/crc32c';

/** TFRecord framing (DISTILLATION.md): u64 length, u32 masked CRC32C(length), payload, u32 masked CRC32C(payload). */
const HEADER = 12;
const FOOTER = 4;
/** Larger records than this are taken as a corrupt length (TensorBoard scalars are ~50 bytes). */
const MAX_RECORD = 256 * 1024 * 1024;

export function maskedCrc32c(bytes: Uint8Array): number {
  const c = CRC32C.buf(bytes) >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length + FOOTER);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, Math.floor(payload.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, HEADER);
  view.setUint32(HEADER + payload.length, maskedCrc32c(payload), true);
  return out;
}

export interface RecordScan {
  /** Bytes consumed: the start of the first incomplete record (or the end). */
  consumed: number;
  /** Records whose length or payload checksum did not match. */
  corrupt: number;
}

/**
 * Calls `onRecord` for each complete record of `buf`; stops before a record that is still being
 * written. A bad payload checksum skips that record; a bad length checksum resynchronises on the
 * next byte offset whose length checksum holds. Both are counted in `corrupt`.
 */
export function scanRecords(buf: Uint8Array, onRecord: (payload: Uint8Array) => void): RecordScan {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let corrupt = 0;
  let resyncing = false;
  while (pos + HEADER <= buf.length) {
    const len = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
    if (len > MAX_RECORD || view.getUint32(pos + 8, true) !== maskedCrc32c(buf.subarray(pos, pos + 8))) {
      if (!resyncing) corrupt++;
      resyncing = true;
      pos++;
      continue;
    }
    if (pos + HEADER + len + FOOTER > buf.length) break;
    resyncing = false;
    const payload = buf.subarray(pos + HEADER, pos + HEADER + len);
    if (view.getUint32(pos + HEADER + len, true) === maskedCrc32c(payload)) onRecord(payload);
    else corrupt++;
    pos += HEADER + len + FOOTER;
  }
  return { consumed: pos, corrupt };
}

/**
 * What scanRecords leaves waiting, taken once the file is quiet: a record whose (checksummed)
 * length runs past the end while a valid, complete record follows later has a damaged length — it
 * is counted corrupt and the scan resynchronises on that next record; a record cut short by the end
 * of the file, with nothing valid after it, is left as incomplete trailing bytes.
 */
export function scanRemaining(buf: Uint8Array, onRecord: (payload: Uint8Array) => void): RecordScan & { incomplete: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let corrupt = 0;
  for (;;) {
    const r = scanRecords(buf.subarray(pos), onRecord);
    pos += r.consumed;
    corrupt += r.corrupt;
    if (buf.length - pos < HEADER) break;
    const next = nextCompleteRecord(buf, view, pos + 1);
    if (next < 0) break;
    corrupt++;
    pos = next;
  }
  return { consumed: pos, corrupt, incomplete: pos < buf.length ? 1 : 0 };
}

/** The first offset at or after `from` where a record with a valid length checksum ends inside `buf` with a valid payload checksum. */
function nextCompleteRecord(buf: Uint8Array, view: DataView, from: number): number {
  for (let q = from; q + HEADER + FOOTER <= buf.length; q++) {
    const len = view.getUint32(q, true) + view.getUint32(q + 4, true) * 2 ** 32;
    if (q + HEADER + len + FOOTER > buf.length) continue;
    if (view.getUint32(q + 8, true) !== maskedCrc32c(buf.subarray(q, q + 8))) continue;
    if (view.getUint32(q + HEADER + len, true) === maskedCrc32c(buf.subarray(q + HEADER, q + HEADER + len))) return q;
  }
  return -1;
}
