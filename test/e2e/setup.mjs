// Installs what the end-to-end tests need, idempotently (../shared/design/TESTING-IN-VSCODE.md):
// Debian's chromium, libkrb5-dev and ripgrep; code-server 4.100.3 (VS Code 1.100) in .cache/code-server,
// outside the project's own dependencies, with ripgrep served from a local cache (no GitHub download).
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const cacheDir = join(repo, '.cache', 'code-server');
export const codeServerBin = join(cacheDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const log = (s) => console.log(`[e2e setup] ${s}`);

function run(cmd, opts = {}) {
  execSync(cmd, { stdio: 'inherit', ...opts });
}

export function installDebianPackages() {
  const missing = [
    ['chromium', '/usr/bin/chromium'],
    ['libkrb5-dev', '/usr/include/gssapi/gssapi.h'],
    ['ripgrep', '/usr/bin/rg'],
  ]
    .filter(([, f]) => !existsSync(f))
    .map(([p]) => p);
  if (missing.length === 0) return;
  log(`apt-get install ${missing.join(' ')}`);
  run('apt-get update -qq');
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`);
}

/** @vscode/ripgrep looks in this cache before downloading from GitHub: a .tar.gz holding Debian's rg. */
function seedRipgrepCache() {
  const work = join(tmpdir(), 'model-lens-rg');
  mkdirSync(work, { recursive: true });
  copyFileSync('/usr/bin/rg', join(work, 'rg'));
  const tarball = join(work, 'rg.tar.gz');
  execFileSync('tar', ['-czf', tarball, '-C', work, 'rg']);
  for (const v of ['1.15.9', '1.15.10', '1.15.11', '1.15.12', '1.15.13', '1.15.14', '1.16.0', '1.17.0', '1.17.1', '1.18.0']) {
    const dir = join(tmpdir(), `vscode-ripgrep-cache-${v}`);
    mkdirSync(dir, { recursive: true });
    for (const name of ['ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz', 'ripgrep-v13.0.0-4-x86_64-unknown-linux-musl.tar.gz'])
      copyFileSync(tarball, join(dir, name));
  }
}

export function installCodeServer() {
  const marker = join(cacheDir, `.installed-${CODE_SERVER_VERSION}`);
  if (existsSync(marker) && existsSync(codeServerBin)) return;
  log(`installing code-server ${CODE_SERVER_VERSION} in ${cacheDir}`);
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, 'package.json'), '{"name":"model-lens-e2e-code-server","private":true}\n');
  seedRipgrepCache();
  run(`npm install --ignore-scripts --no-audit --no-fund code-server@${CODE_SERVER_VERSION}`, { cwd: cacheDir });
  run('sh postinstall.sh', {
    cwd: join(cacheDir, 'node_modules', 'code-server'),
    env: { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true', npm_config_user_agent: 'npm/11 node/v20 linux x64' },
  });
  run('npm rebuild argon2', { cwd: cacheDir });
  writeFileSync(marker, new Date().toISOString() + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  installDebianPackages();
  installCodeServer();
  log('ready');
}
