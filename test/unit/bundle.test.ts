import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');

test('the extension-host bundle holds no TensorFlow.js code (esbuild metafile)', () => {
  const metaFile = path.join(repo, 'dist', 'extension.meta.json');
  assert.ok(fs.existsSync(metaFile), 'dist/extension.meta.json is missing: npm test builds first');
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { inputs: Record<string, unknown> };
  const inputs = Object.keys(meta.inputs);
  assert.ok(
    inputs.some((i) => i.includes('src/extension.ts')),
    'the metafile describes the extension bundle',
  );
  // The method and format specs are pure data the host builds pickers and validators from, and
  // modellens-json.ts writes the panel's settings with node:fs; nothing else of explain/ or model/.
  const pureSpecs = /src\/core\/(explain(\/pair)?|model)\/specs\.ts$|src\/core\/model\/modellens-json\.ts$/;
  assert.deepEqual(
    inputs.filter((i) => /@tensorflow|src\/core\/(engine|model|explain)|src\/worker\//.test(i) && !pureSpecs.test(i)),
    [],
  );
  assert.ok(
    inputs.some((i) => pureSpecs.test(i)),
    'the host validates messages with the specs',
  );
});
