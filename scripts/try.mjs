// npm run try — Model Lens in a real VS Code in your browser, on a machine without VS Code:
// installs code-server (test/e2e/setup.mjs), installs the freshly packaged .vsix, serves the demo
// workspace on 127.0.0.1 and prints the address. Ctrl-C stops it.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { codeServerBin, installCodeServer, installDebianPackages } from '../test/e2e/setup.mjs';

const repo = resolve(import.meta.dirname, '..');
const home = join(repo, '.cache', 'try');
const port = Number(process.env.PORT ?? 8080);
const workspace = join(home, 'workspace');

installDebianPackages();
installCodeServer();
mkdirSync(join(home, 'user', 'User'), { recursive: true });
writeFileSync(join(home, 'user', 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'git.openRepositoryInParentFolders': 'never' }));
if (!existsSync(workspace)) cpSync(join(repo, 'demo'), workspace, { recursive: true, filter: (src) => !src.includes(`${join('demo', 'out')}`) });
execFileSync(
  process.execPath,
  [
    codeServerBin,
    '--extensions-dir',
    join(home, 'extensions'),
    '--user-data-dir',
    join(home, 'user'),
    '--install-extension',
    join(repo, 'model-lens.vsix'),
    '--force',
  ],
  { stdio: 'inherit' },
);
const server = spawn(
  process.execPath,
  [
    codeServerBin,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    join(home, 'user'),
    '--extensions-dir',
    join(home, 'extensions'),
    workspace,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
server.stdout.on('data', (d) => {
  if (String(d).includes('HTTP server listening')) {
    console.log(`\nModel Lens is running in VS Code at  http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    console.log('Try: right-click models/shapes/model.json → Open Model…, or the palette (F1) → "Model Lens: Explain Image…". Ctrl-C stops.\n');
  }
});
server.on('exit', (code) => process.exit(code ?? 0));
const stop = () => {
  console.log('\nstopping code-server…');
  server.kill('SIGTERM');
  setTimeout(() => server.kill('SIGKILL'), 5000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
