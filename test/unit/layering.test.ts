import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const core = path.resolve(__dirname, '..', '..', 'src', 'core');

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('src/core imports neither vscode nor worker_threads, and uses no DOM', () => {
  const files = sources(core);
  assert.ok(files.length > 20, 'the core was found');
  const offenders = files.filter((f) => {
    const text = fs.readFileSync(f, 'utf8');
    return /from ['"](vscode|node:worker_threads|worker_threads)['"]|require\(['"](vscode|worker_threads)['"]\)|\b(document|window)\./.test(text);
  });
  assert.deepEqual(offenders, []);
});

test('src/core/logs uses no TensorFlow.js (the extension host reads logs itself)', () => {
  const files = sources(path.join(core, 'logs'));
  assert.ok(files.length >= 10);
  assert.deepEqual(
    files.filter((f) => /@tensorflow\//.test(fs.readFileSync(f, 'utf8'))),
    [],
  );
});
