import * as fs from 'node:fs';
import * as path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { flipBits, indexOfBytes, overwrite32, truncate } from '../lib/bytes';
import type { Family, Mutator } from '../lib/family';
import { jsonText, mutateJson } from '../lib/json';
import type { Outcome } from '../lib/pool';
import { DEMO_IMAGE, REPO } from '../lib/paths';
import type { Rng } from '../lib/rng';

/** Zip entries get a fixed time, so a case rebuilt from its seed is the same bytes. */
const FIXED_TIME = new Date('2020-01-01T00:00:00Z');
const isZip = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b;
const SIGNATURES = ['TREE', 'HEAP', 'SNOD', 'OHDR', 'BTHD', 'BTLF', 'FRHP', 'FHDB', 'GCOL', 'OCHK'].map((s) => new TextEncoder().encode(s));

/** The HDF5 file inside a .keras archive (model.weights.h5), or the file itself. */
function withHdf5(file: string, rng: Rng, edit: (h5: Uint8Array) => Uint8Array): void {
  const b = new Uint8Array(fs.readFileSync(file));
  if (!isZip(b)) return fs.writeFileSync(file, edit(b));
  const entries = unzipSync(b);
  const name = Object.keys(entries).find((n) => n.endsWith('.h5')) ?? rng.pick(Object.keys(entries));
  entries[name] = edit(entries[name]) as Uint8Array<ArrayBuffer>;
  fs.writeFileSync(file, zipSync(entries, { mtime: FIXED_TIME }));
}

const mutators: Mutator[] = [
  {
    name: 'superblock',
    // Version, sizes of offsets and lengths, base and end-of-file addresses, the root group's address.
    apply: (f, _d, rng) => withHdf5(f, rng, (h5) => overwrite32(h5, 8 + 4 * rng.int(22), rng.interestingNumber(), true)),
  },
  {
    name: 'structures',
    // A field right after a B-tree, heap, symbol-table or object-header signature: entry counts, child addresses, sizes.
    apply: (f, _d, rng) =>
      withHdf5(f, rng, (h5) => {
        const found: number[] = [];
        for (const sig of SIGNATURES) for (let at = indexOfBytes(h5, sig); at >= 0 && found.length < 400; at = indexOfBytes(h5, sig, at + 1)) found.push(at);
        if (!found.length) return flipBits(h5, rng);
        const at = rng.pick(found) + 4 + rng.int(24);
        return rng.chance(0.7) ? overwrite32(h5, at, rng.interestingNumber(), true) : flipBits(h5, rng, at, Math.min(h5.length, at + 16));
      }),
  },
  {
    name: 'model-config',
    // The model's JSON: in an .h5 the model_config attribute (same length, so the file's layout holds), in a .keras config.json.
    apply: (f, _d, rng) => {
      const b = new Uint8Array(fs.readFileSync(f));
      if (isZip(b)) {
        const entries = unzipSync(b);
        const cfg = JSON.parse(strFromU8(entries['config.json']));
        entries['config.json'] = strToU8(jsonText(mutateJson(cfg, rng)));
        return fs.writeFileSync(f, zipSync(entries, { mtime: FIXED_TIME }));
      }
      const at = indexOfBytes(b, new TextEncoder().encode('{"class_name"'));
      if (at < 0) return fs.writeFileSync(f, flipBits(b, rng));
      const end = b.indexOf(0, at);
      const out = Uint8Array.from(b);
      // Digits become other digits, letters other letters, one brace or quote a space: JSON that mostly still parses.
      for (let k = 0; k < 1 + rng.int(6); k++) {
        const i = at + rng.int(Math.max(1, (end > at ? end : b.length) - at));
        const c = out[i];
        if (c >= 0x30 && c <= 0x39) out[i] = 0x30 + rng.int(10);
        else if (c >= 0x61 && c <= 0x7a) out[i] = 0x61 + rng.int(26);
        else if (rng.chance(0.2)) out[i] = 0x20;
      }
      fs.writeFileSync(f, out);
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

const FIRST_CHECK = /not an HDF5 file|the HDF5 file is truncated:|not a readable \.keras archive|file not found$/;

export const keras: Family = {
  name: 'keras',
  seeds: () =>
    ['keras2-sequential.h5', 'keras3-functional.keras', 'keras3-legacy.h5'].map((main) => ({
      name: main,
      dir: path.join(REPO, 'test', 'fixtures', 'keras'),
      main,
    })),
  mutators,
  argv: (file, rng) => (rng.chance(0.4) ? ['summary', file] : ['explain', file, DEMO_IMAGE, '--method', rng.pick(['gradcam', 'saliency'])]),
  pastFirstCheck: (o: Outcome) => o.kind !== 'done' || !FIRST_CHECK.test(o.stderr),
};
