// End-to-end tests in a real VS Code (code-server 4.100.3) driven by Playwright in Debian's Chromium.
// `npm run test:e2e` packages the .vsix first; this file installs it and drives the UI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import { codeServerBin, installCodeServer, installDebianPackages } from './setup.mjs';

const repo = resolve(import.meta.dirname, '..', '..');
const shots = join(repo, 'test-output', 'e2e');
const work = mkdtempSync(join(tmpdir(), 'model-lens-e2e-'));
const workspace = join(work, 'workspace');
const modelPath = join(workspace, 'models', 'shapes', 'model.json');
const image = (f) => join(workspace, 'images', f);
let server;
let browser;
let page;

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function shot(name) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Runs a palette command; retried while the extension host is still registering contributions (a fresh install on a busy machine). */
async function runCommand(title) {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    // Focus the workbench outside any webview (a webview keeps F1 to itself): the side bar's title.
    await page.locator('.part.sidebar .composite.title').click().catch(() => {});
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      if (attempt >= 8) throw err;
    }
  }
}

/** VS Code's simple file dialog (code-server has no native one): type the path and accept. */
async function answerDialog(file) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await page.waitForTimeout(400);
  await input.fill(file);
  await page.waitForTimeout(400);
  await page.keyboard.press('Enter');
}

async function panelFrame(tries = 120) {
  for (let i = 0; i < tries; i++) {
    for (const f of page.frames()) if (await f.$('#pick').catch(() => null)) return f;
    await page.waitForTimeout(250);
  }
  throw new Error('the model panel did not appear');
}

async function waitForResult(frame, method, previous = '') {
  await frame.waitForFunction(
    ([m, prev]) => {
      const t = document.getElementById('timing')?.textContent ?? '';
      return t.startsWith(m) && t.includes(' ms on ') && t !== prev;
    },
    [method, previous],
    { timeout: 120_000 },
  );
  return frame.$eval('#timing', (e) => e.textContent);
}

async function canvasPixels(frame, id) {
  return frame.$eval(`#${id}`, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    return { width: d.width, height: d.height, data: Array.from(d.data) };
  });
}

function changedShare(a, b) {
  let changed = 0;
  for (let p = 0; p < a.data.length / 4; p++) {
    if ([0, 1, 2].some((c) => Math.abs(a.data[p * 4 + c] - b.data[p * 4 + c]) > 2)) changed++;
  }
  return changed / (a.data.length / 4);
}

async function setSelect(frame, id, value) {
  await frame.$eval(`#${id}`, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

before(async () => {
  installDebianPackages();
  installCodeServer();
  // A workspace copy of the demo, so that tests can write into it.
  execFileSync('cp', ['-r', join(repo, 'demo'), workspace]);
  rmSync(join(workspace, 'out'), { recursive: true, force: true });
  const ext = join(work, 'extensions');
  const user = join(work, 'user');
  mkdirSync(join(user, 'User'), { recursive: true });
  writeFileSync(join(user, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'git.openRepositoryInParentFolders': 'never', 'workbench.tips.enabled': false, 'workbench.colorTheme': 'Default Light Modern' }));
  execFileSync(process.execPath, [codeServerBin, '--extensions-dir', ext, '--user-data-dir', user, '--install-extension', join(repo, 'model-lens.vsix')], { stdio: 'inherit' });
  const port = await freePort();
  server = spawn(process.execPath, [codeServerBin, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', user, '--extensions-dir', ext, workspace], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('code-server did not start')), 60_000);
    server.stdout.on('data', (d) => String(d).includes('HTTP server listening') && (clearTimeout(t), res()));
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  await page.waitForTimeout(2000);
});

after(async () => {
  await browser?.close().catch(() => {});
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

test('(a) the palette command explains a demo image: right class, wasm in the status bar, overlay equals the CLI --out', async () => {
  await runCommand('Model Lens: Explain Image…');
  await answerDialog(image('triangle-1.png'));
  await answerDialog(modelPath);
  const frame = await panelFrame();
  const timing = await waitForResult(frame, 'gradcam');
  assert.match(timing, /on wasm$/);
  assert.match(await frame.$eval('#top', (e) => e.textContent), /^triangle — \d+\.\d% ◀ target/);
  await page.locator('.statusbar', { hasText: 'Model Lens: wasm' }).waitFor({ timeout: 10_000 });
  const drawn = await canvasPixels(frame, 'overlay');
  const out = join(work, 'cli-overlay.png');
  execFileSync(process.execPath, [join(repo, 'bin', 'model-lens.js'), 'explain', modelPath, image('triangle-1.png'), '--out', out, '--backend', 'wasm']);
  const cli = PNG.sync.read(readFileSync(out));
  assert.deepEqual([drawn.width, drawn.height], [cli.width, cli.height]);
  let worst = 0;
  for (let i = 0; i < cli.data.length; i++) if (i % 4 !== 3) worst = Math.max(worst, Math.abs(cli.data[i] - drawn.data[i]));
  assert.ok(worst <= 2, `largest channel difference ${worst}`);
  await shot('panel-light');
  await runCommand('Preferences: Toggle between Light/Dark Themes');
  await page.waitForTimeout(1500);
  await shot('panel-dark');
  await runCommand('Preferences: Toggle between Light/Dark Themes');
});

test('(c) changing the method and the opacity each change a stated share of the overlay', async () => {
  const frame = await panelFrame();
  const before = await canvasPixels(frame, 'overlay');
  const previous = await frame.$eval('#timing', (e) => e.textContent);
  await setSelect(frame, 'method', 'saliency');
  await waitForResult(frame, 'saliency', previous);
  const afterMethod = await canvasPixels(frame, 'overlay');
  const methodShare = changedShare(before, afterMethod);
  assert.ok(methodShare >= 0.3, `method change altered ${(100 * methodShare).toFixed(1)}% of the pixels (≥ 30% expected)`);
  await frame.$eval('#opacity', (el) => {
    el.value = '0.9';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForTimeout(300);
  const afterOpacity = await canvasPixels(frame, 'overlay');
  const opacityShare = changedShare(afterMethod, afterOpacity);
  assert.ok(opacityShare >= 0.5, `opacity change altered ${(100 * opacityShare).toFixed(1)}% of the pixels (≥ 50% expected)`);
});

test('(d) a long occlusion job is cancelled and the worker is idle soon after', async () => {
  const frame = await panelFrame();
  await setSelect(frame, 'method', 'occlusion');
  await frame.waitForSelector('#param-window');
  await frame.$eval('#param-stride', (el) => {
    el.value = '1';
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await frame.$eval('#param-window', (el) => {
    el.value = '2';
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await frame.waitForSelector('#cancel:not([hidden])', { timeout: 30_000 });
  await page.waitForTimeout(500);
  const t0 = Date.now();
  await frame.click('#cancel');
  await frame.waitForSelector('#cancel[hidden]', { state: 'attached', timeout: 10_000 });
  const stopped = Date.now() - t0;
  assert.ok(stopped < 2000, `idle ${stopped} ms after cancel`);
  // The worker is free: the next job answers at once.
  const previous = await frame.$eval('#timing', (e) => e.textContent);
  await setSelect(frame, 'method', 'gradcam');
  const t1 = Date.now();
  await waitForResult(frame, 'gradcam', previous);
  assert.ok(Date.now() - t1 < 10_000);
});

test('(b) the explorer context menu opens the model', async () => {
  await runCommand('View: Close All Editors');
  // Open the file, reveal it in the explorer (expands its folders), then right-click its row.
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill('models/shapes/model.json');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'model.json' }).first().waitFor();
  await page.keyboard.press('Enter');
  await runCommand('File: Reveal Active File in Explorer View');
  const row = page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: 'model.json' });
  await row.waitFor({ timeout: 15_000 });
  // The explorer re-renders while it reveals the file, and a click that lands while the menu opens
  // is lost: retry the whole right-click → menu item → panel sequence.
  let frame;
  for (let attempt = 1; !frame; attempt++) {
    try {
      await row.click({ button: 'right' });
      const item = page.getByRole('menuitem', { name: 'Open Model…' });
      await item.waitFor({ state: 'visible', timeout: 5000 });
      await page.waitForTimeout(300);
      await item.click();
      frame = await panelFrame(40);
    } catch (err) {
      if (attempt >= 5) throw err;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  await frame.waitForSelector('#recent button');
  await frame.click('#recent button');
  const timing = await waitForResult(frame, '');
  assert.match(timing, /on wasm$/);
  assert.match(await frame.$eval('#top', (e) => e.textContent), /^triangle/);
  await shot('panel-from-explorer');
});

test('(e) a corrupt model shows its error message', async () => {
  await runCommand('View: Close All Editors');
  const broken = join(workspace, 'broken');
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(broken, 'model.json'), '{"modelTopology": {');
  await runCommand('Model Lens: Open Model…');
  await answerDialog(join(broken, 'model.json'));
  const frame = await panelFrame();
  await frame.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
  assert.match(await frame.$eval('#error', (e) => e.textContent), new RegExp(`^${join(broken, 'model.json').replace(/[/.]/g, '\\$&')}: malformed model\\.json \\(`));
  await shot('corrupt-model');
});
