import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..', '..');

test("the webview type check covers every webview app's files (the base config excludes them)", () => {
  const listed = execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.webview.json', '--listFilesOnly'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\n')
    .map((f) => path.relative(repo, f.trim()).split(path.sep).join('/'));
  for (const app of ['model', 'pair', 'curves']) {
    for (const file of ['main.ts', 'state.ts', 'controls.ts', 'drawing.ts', 'messages.ts'])
      assert.ok(listed.includes(`src/webviews/${app}/app/${file}`), `${app}/app/${file}`);
  }
  assert.ok(listed.includes('src/webviews/shared/app/ui.ts'));
});
