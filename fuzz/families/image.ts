import * as fs from 'node:fs';
import * as path from 'node:path';
import { flipBits, truncate } from '../lib/bytes';
import type { Family, Mutator } from '../lib/family';
import { pngBytes, pngChunks, type PngChunk } from '../lib/png';
import type { Outcome } from '../lib/pool';
import { DEMO_MODEL, REPO } from '../lib/paths';
import type { Rng } from '../lib/rng';

function editPng(file: string, rng: Rng, edit: (chunks: PngChunk[]) => void): boolean {
  const chunks = pngChunks(fs.readFileSync(file));
  if (!chunks) return false;
  edit(chunks);
  fs.writeFileSync(file, pngBytes(chunks));
  return true;
}

/** JPEG segments: [marker, start of its length field, length] up to the first scan. */
function jpegSegments(b: Buffer): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let at = 2; at + 4 <= b.length && b[at] === 0xff;) {
    const marker = b[at + 1];
    const len = b.readUInt16BE(at + 2);
    out.push([marker, at + 2, len]);
    if (marker === 0xda) break;
    at += 2 + len;
  }
  return out;
}

const mutators: Mutator[] = [
  {
    name: 'png-header',
    // Width, height (up to what the header may claim), bit depth, colour type, interlace: CRC fixed.
    apply: (f, _d, rng) => {
      editPng(f, rng, (chunks) => {
        const ihdr = chunks.find((c) => c.type === 'IHDR');
        if (!ihdr || ihdr.data.length < 13) return;
        const r = rng.int(4);
        if (r === 0) ihdr.data.writeUInt32BE(rng.pick([0, 1, 9999, 10000, 30000, 2 ** 31 - 1, 65535]) >>> 0, rng.pick([0, 4]));
        else if (r === 1) ihdr.data[8] = rng.pick([0, 1, 2, 3, 4, 7, 16, 32]);
        else if (r === 2) ihdr.data[9] = rng.pick([0, 1, 2, 3, 4, 5, 6, 7]);
        else ihdr.data[12] = rng.pick([0, 1, 2]);
      });
    },
  },
  {
    name: 'png-chunks',
    // IDAT data damaged (CRC fixed), cut, dropped or duplicated; IEND dropped; a palette removed.
    apply: (f, _d, rng) => {
      editPng(f, rng, (chunks) => {
        const idats = chunks.filter((c) => c.type === 'IDAT');
        const r = rng.int(6);
        if (r === 0 && idats.length) {
          const c = rng.pick(idats);
          c.data = Buffer.from(flipBits(c.data, rng));
        } else if (r === 1 && idats.length) {
          const c = rng.pick(idats);
          c.data = c.data.subarray(0, rng.int(c.data.length));
        } else if (r === 2)
          chunks.splice(
            chunks.findIndex((c) => c.type === 'IDAT'),
            1,
          );
        else if (r === 3)
          chunks.splice(
            chunks.findIndex((c) => c.type === 'IEND'),
            1,
          );
        else if (r === 4 && idats.length) chunks.splice(chunks.indexOf(idats[0]), 0, { type: 'IDAT', data: idats[0].data });
        else
          chunks.splice(rng.int(chunks.length), 0, {
            type: rng.pick(['PLTE', 'tRNS', 'zzZz', 'IHDR']),
            data: Buffer.from(Array.from({ length: rng.int(40) }, () => rng.int(256))),
          });
      });
    },
  },
  {
    name: 'jpeg-markers',
    // Frame sizes and components, Huffman and quantisation tables, segment lengths, the end-of-image marker.
    apply: (f, _d, rng) => {
      const b = Buffer.from(fs.readFileSync(f));
      if (b[0] !== 0xff || b[1] !== 0xd8) return fs.writeFileSync(f, flipBits(b, rng));
      const segs = jpegSegments(b);
      const r = rng.int(5);
      const sof = segs.find(([m]) => m >= 0xc0 && m <= 0xc2);
      if (r === 0 && sof) b.writeUInt16BE(rng.pick([0, 1, 9999, 65535]), sof[1] + 3 + rng.pick([0, 2]));
      else if (r === 1 && sof) b[sof[1] + 7] = rng.pick([0, 1, 2, 4, 5, 255]);
      else if (r === 2 && segs.length) {
        const s = rng.pick(segs);
        b.writeUInt16BE(rng.pick([0, 1, 2, s[2] + 1, s[2] - 1, 65535]) & 0xffff, s[1]);
      } else if (r === 3 && segs.length) {
        const s = rng.pick(segs.filter(([m]) => m === 0xc4 || m === 0xdb).concat(segs));
        return fs.writeFileSync(f, flipBits(b, rng, s[1] + 2, Math.min(b.length, s[1] + s[2])));
      } else {
        const eoi = b.lastIndexOf(Buffer.from([0xff, 0xd9]));
        return fs.writeFileSync(f, eoi > 0 && rng.chance(0.5) ? b.subarray(0, eoi) : flipBits(b, rng, Math.floor(b.length / 2), b.length));
      }
      fs.writeFileSync(f, b);
    },
  },
  {
    name: 'bytes',
    apply: (f, _d, rng) => {
      const b = fs.readFileSync(f);
      fs.writeFileSync(f, rng.chance(0.5) ? truncate(b, rng) : flipBits(b, rng));
    },
  },
];

const FIRST_CHECK = /not a PNG or JPEG image|checksum does not match|empty file, not an image|file not found$/;

export const image: Family = {
  name: 'image',
  seeds: () => {
    const dir = path.join(REPO, 'test', 'fixtures', 'images');
    const files = ['rgb8.png', 'rgba16.png', 'palette.png', 'interlaced.png', 'gray8.png', 'baseline.jpg', 'progressive.jpg', 'gray.jpg', 'orientation6.jpg'];
    return [...files.map((main) => ({ name: main, dir, main })), { name: 'demo-circle', dir: path.join(REPO, 'demo', 'images'), main: 'circle-1.png' }];
  },
  mutators,
  argv: (file) => ['explain', DEMO_MODEL, file],
  pastFirstCheck: (o: Outcome) => o.kind !== 'done' || !FIRST_CHECK.test(o.stderr),
};
