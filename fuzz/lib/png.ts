import * as CRC32 from 'crc-32';

export interface PngChunk {
  type: string;
  data: Buffer;
}

/** A PNG's chunks (undefined when the signature is missing); a chunk cut short by the end is dropped. */
export function pngChunks(b: Buffer): PngChunk[] | undefined {
  if (b.length < 8 || b.readUInt32BE(0) !== 0x89504e47) return undefined;
  const out: PngChunk[] = [];
  for (let at = 8; at + 12 <= b.length;) {
    const len = b.readUInt32BE(at);
    if (at + 12 + len > b.length) break;
    out.push({ type: b.toString('latin1', at + 4, at + 8), data: Buffer.from(b.subarray(at + 8, at + 8 + len)) });
    at += 12 + len;
  }
  return out;
}

/** Chunks back into a PNG, every CRC computed anew (so damage reaches the decoder, not the checksum). */
export function pngBytes(chunks: PngChunk[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const c of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(c.data.length, 0);
    head.write(c.type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeInt32BE(CRC32.buf(Buffer.concat([head.subarray(4), c.data])), 0);
    parts.push(head, c.data, crc);
  }
  return Buffer.concat(parts);
}
