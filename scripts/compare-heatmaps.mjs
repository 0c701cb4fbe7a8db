#!/usr/bin/env node
// Checks that a refactoring changed no explanation: builds the CLI of an earlier commit in a git
// worktree, runs `model-lens explain --heatmap-out` for every method that commit lists in its
// --help (on demo images) and `model-lens pair --heatmap-out` for every pair method, with the earlier
// CLI and with this tree's, on the wasm and cpu backends, and compares the JSON files: equal bytes,
// or every number within 1e-6 relative (a changed batch size reorders float sums).
//
//   npm run compare:heatmaps -- [--before REF] [--keep DIR]
//
// Exit 0 when every file agrees, 1 otherwise (the differing files and their largest gap are printed).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({ options: { before: { type: 'string', default: '458fed2' }, keep: { type: 'string' } } });
const work = values.keep ? path.resolve(values.keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'model-lens-heatmaps-'));
fs.mkdirSync(work, { recursive: true });

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const beforeCommit = git('rev-parse', '--verify', `${values.before}^{commit}`);
const tree = path.join(work, 'before-tree');
if (fs.existsSync(tree)) git('worktree', 'remove', '--force', tree);
git('worktree', 'add', '--detach', tree, beforeCommit);
try {
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: tree, stdio: 'inherit' });
  const sides = { before: path.join(tree, 'bin', 'model-lens.js'), after: path.join(root, 'bin', 'model-lens.js') };
  if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) throw new Error('build this tree first (npm run build)');

  const cli = (bin, args) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${path.relative(root, bin)} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  // The methods the earlier commit knew, from its own help text.
  const help = cli(sides.before, ['--help']);
  const methods = help
    .match(/^methods: ([^\n]*(?:\n {9}[^\n]*)*)/m)[1]
    .split(/\s+/)
    .filter(Boolean);
  const pairMethods = help
    .match(/^pair methods: (.*)$/m)[1]
    .split(/\s+/)
    .filter(Boolean);

  const images = ['demo/images/circle-1.png', 'demo/images/square-watermark-1.png'];
  const explainModel = 'demo/models/shapes/model.json';
  const encoder = 'demo/models/encoder/model.json';
  const cases = [];
  for (const backend of ['wasm', 'cpu']) {
    for (const m of methods)
      for (const img of images)
        cases.push({
          name: `${backend}-explain-${m}-${path.basename(img, '.png')}`,
          args: ['explain', explainModel, img, '--method', m, '--backend', backend],
        });
    for (const m of pairMethods)
      cases.push({
        name: `${backend}-pair-${m}`,
        args: ['pair', encoder, 'demo/images/circle-1.png', 'demo/images/circle-2.png', '--method', m, '--backend', backend, '--samples', '16'],
      });
  }

  let bad = 0;
  for (const c of cases) {
    const files = {};
    for (const [side, bin] of Object.entries(sides)) {
      files[side] = path.join(work, side, `${c.name.replace(/[^\w.+-]/g, '_')}.json`);
      fs.mkdirSync(path.dirname(files[side]), { recursive: true });
      cli(bin, [...c.args, '--heatmap-out', files[side]]);
    }
    const [a, b] = [fs.readFileSync(files.before, 'utf8'), fs.readFileSync(files.after, 'utf8')];
    if (a === b) {
      console.log(`equal      ${c.name}`);
      continue;
    }
    const gap = relativeGap(JSON.parse(a), JSON.parse(b), '$');
    if (gap.ok && gap.max <= 1e-6) console.log(`within     ${c.name} (largest relative gap ${gap.max.toExponential(2)})`);
    else {
      bad++;
      console.log(`DIFFERENT  ${c.name}: ${gap.ok ? `largest relative gap ${gap.max.toExponential(2)} at ${gap.where}` : gap.why}`);
    }
  }
  console.log(`${cases.length - bad} of ${cases.length} heat maps agree with ${values.before} (${beforeCommit.slice(0, 7)}); files in ${work}`);
  process.exitCode = bad ? 1 : 0;
} finally {
  git('worktree', 'remove', '--force', tree);
}

/** Largest relative gap between two JSON values of the same shape; a differing shape or string is a failure. */
function relativeGap(a, b, where) {
  if (typeof a === 'number' && typeof b === 'number') {
    const max = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-30);
    return { ok: true, max, where };
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return { ok: false, why: `${where}: ${a.length} vs ${b.length} entries` };
    return worst(a.map((x, i) => relativeGap(x, b[i], `${where}[${i}]`)));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    if (keys.join() !== Object.keys(b).join()) return { ok: false, why: `${where}: keys ${keys.join(',')} vs ${Object.keys(b).join(',')}` };
    return worst(keys.map((k) => relativeGap(a[k], b[k], `${where}.${k}`)));
  }
  return a === b ? { ok: true, max: 0, where } : { ok: false, why: `${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}` };
}

function worst(gaps) {
  let out = { ok: true, max: 0, where: '' };
  for (const g of gaps) {
    if (!g.ok) return g;
    if (g.max > out.max) out = g;
  }
  return out;
}
