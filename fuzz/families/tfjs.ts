import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeGraphModel } from '../../test/helpers/graph-fixture';
import { anyByteMutation, flipBits, truncate } from '../lib/bytes';
import type { Family, Mutator } from '../lib/family';
import { jsonText, mutateJson } from '../lib/json';
import type { Outcome } from '../lib/pool';
import { REPO, DEMO_IMAGE } from '../lib/paths';

const readJson = (f: string): any => JSON.parse(fs.readFileSync(f, 'utf8'));
const writeJson = (f: string, j: unknown): void => fs.writeFileSync(f, jsonText(j));
const shardOf = (file: string): string => {
  const j = readJson(file);
  return path.join(path.dirname(file), j.weightsManifest[0].paths[0]);
};

const mutators: Mutator[] = [
  { name: 'json-value', apply: (f, _d, rng) => writeJson(f, mutateJson(readJson(f), rng)) },
  {
    name: 'manifest',
    apply: (f, _d, rng) =>
      writeJson(
        f,
        mutateJson(readJson(f), rng, (p) => p[0] === 'weightsManifest'),
      ),
  },
  {
    name: 'topology-config',
    // Layer sizes, strides, kernels, units, shapes, activations: the numbers a converter writes.
    apply: (f, _d, rng) =>
      writeJson(
        f,
        mutateJson(readJson(f), rng, (p) => p[0] === 'modelTopology' && p.length > 3),
      ),
  },
  {
    name: 'shard-bytes',
    apply: (f, _d, rng) => {
      const s = shardOf(f);
      const b = fs.readFileSync(s);
      const r = rng.int(4);
      if (r === 0) fs.writeFileSync(s, truncate(b, rng));
      else if (r === 1) fs.writeFileSync(s, Buffer.concat([b, Buffer.alloc(1 + rng.int(64))]));
      else if (r === 2) fs.rmSync(s);
      else {
        // NaN and infinities in the weights: exponent bits set.
        const out = Buffer.from(b);
        for (let i = 0; i < 1 + rng.int(4); i++) out.writeUInt32LE(rng.pick([0x7fc00000, 0x7f800000, 0xff800000]), 4 * rng.int(out.length / 4));
        fs.writeFileSync(s, out);
      }
    },
  },
  {
    name: 'json-text',
    // The text damaged the way a bad copy or an editor would, mostly still JSON: digits and letters
    // changed in place, a control character or raw bytes inside a string, a bracket or comma dropped.
    apply: (f, _d, rng) => {
      const b = Buffer.from(fs.readFileSync(f));
      const r = rng.int(10);
      if (r < 6) {
        for (let k = 0; k < 1 + rng.int(8); k++) {
          const i = rng.int(b.length);
          const c = b[i];
          if (c >= 0x30 && c <= 0x39) b[i] = 0x30 + rng.int(10);
          else if (c >= 0x61 && c <= 0x7a) b[i] = 0x61 + rng.int(26);
        }
        return fs.writeFileSync(f, b);
      }
      if (r < 8) {
        // Bytes inserted just after an opening quote: inside a string value or key.
        const quotes: number[] = [];
        for (let i = b.indexOf(0x22); i >= 0 && quotes.length < 5000; i = b.indexOf(0x22, i + 1)) quotes.push(i);
        const at = quotes.length ? rng.pick(quotes) + 1 : rng.int(b.length);
        const extra = Buffer.from(rng.pick(['\\u0000', '\u0007', '\u00ff\u00fe', '\\ud800', 'é', '\\"']), 'latin1');
        return fs.writeFileSync(f, Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]));
      }
      fs.writeFileSync(f, rng.chance(0.5) ? anyByteMutation(b, rng) : flipBits(b, rng, Math.floor(b.length / 3), b.length));
    },
  },
];

const FIRST_CHECK = /malformed model\.json \(not valid JSON|malformed model\.json \(no "modelTopology"\)|file not found$/;

export const tfjs: Family = {
  name: 'tfjs',
  seeds: (work) => [
    { name: 'demo-shapes', dir: path.join(REPO, 'demo', 'models', 'shapes'), main: 'model.json', whole: true },
    { name: 'demo-encoder', dir: path.join(REPO, 'demo', 'models', 'encoder'), main: 'model.json', whole: true },
    { name: 'graph-model', dir: path.dirname(writeGraphModel(path.join(work, 'graph-model'))), main: 'model.json', whole: true },
  ],
  mutators,
  argv: (file, rng) => (rng.chance(0.5) ? ['summary', file] : ['explain', file, DEMO_IMAGE, '--method', rng.pick(['gradcam', 'saliency'])]),
  pastFirstCheck: (o: Outcome) => o.kind !== 'done' || !FIRST_CHECK.test(o.stderr),
};
