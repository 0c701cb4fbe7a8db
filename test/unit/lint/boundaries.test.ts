import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..', '..');

/** Lints a file that is not on disk, as if it were at `file`, with the repository's eslint.config.mjs. */
async function lint(file: string, code: string): Promise<string[]> {
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({ cwd: repo });
  const [result] = await eslint.lintText(code, { filePath: path.join(repo, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('a core module that imports host code is reported', async () => {
  const messages = await lint('src/core/probe.ts', "import type { Services } from '../host/services';\nexport type S = Services;\n");
  assert.deepEqual(messages, [
    'import-x/no-restricted-paths: Unexpected path "../host/services" imported in restricted zone. src/core imports no host, webview, worker or CLI code (docs/ARCHITECTURE.md).',
  ]);
});

test('the host importing TensorFlow.js, or a core module that computes with it, is reported', async () => {
  const messages = await lint(
    'src/host/probe.ts',
    "import * as tf from '@tensorflow/tfjs-core';\nimport { loadModel } from '../core/model/load';\nexport { tf, loadModel };\n",
  );
  assert.equal(messages.length, 2);
  assert.match(messages[0], /^no-restricted-imports: '@tensorflow\/tfjs-core' import is restricted .*the extension host loads no TensorFlow\.js/);
  assert.match(messages[1], /^no-restricted-imports: '\.\.\/core\/model\/load' import is restricted .*the extension host loads no TensorFlow\.js/);
});

test('a webview app importing a core module that is not pure, or Node, is reported; the method specs are allowed', async () => {
  const bad = await lint(
    'src/webviews/model/app/probe.ts',
    "import { loadModel } from '../../../core/model/load';\nimport * as fs from 'node:fs';\nexport { loadModel, fs };\n",
  );
  assert.deepEqual(
    bad.map((m) => m.split(':')[0]),
    ['import-x/no-restricted-paths', 'no-restricted-imports'],
  );
  const good = await lint(
    'src/webviews/model/app/probe.ts',
    "import { METHOD_SPECS } from '../../../core/explain/specs';\nexport const n = METHOD_SPECS.length;\n",
  );
  assert.deepEqual(good, []);
});

test('src/protocol imports nothing of ours but the pure spec modules', async () => {
  const messages = await lint('src/protocol/probe.ts', "import type { Run } from '../core/logs/run';\nexport type R = Run;\n");
  assert.equal(messages.length, 1);
  assert.match(messages[0], /^import-x\/no-restricted-paths: .*src\/protocol imports nothing/);
});
