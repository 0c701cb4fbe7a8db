// What the end-to-end tests and the host benchmark share: a real VS Code (code-server 4.100.3) with the
// packaged .vsix installed, serving a copy of the demo workspace, driven by Playwright in Debian's
// Chromium (../shared/design/TESTING-IN-VSCODE.md).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { codeServerBin, installCodeServer, installDebianPackages } from './setup.mjs';

export const repo = resolve(import.meta.dirname, '..', '..');

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export class VsCode {
  /** @type {import('playwright-core').Page} */ page;
  work = mkdtempSync(join(tmpdir(), 'model-lens-e2e-'));
  workspace = join(this.work, 'workspace');
  shots;
  #server;
  #browser;
  #url;

  /**
   * Installs what is missing, installs the .vsix into a fresh profile, starts code-server on a free
   * port of 127.0.0.1 with the demo workspace (and `env` added to its environment, which the
   * extension host inherits) and opens it in Chromium.
   */
  static async start({ env = {}, settings = {}, shots = join(repo, 'test-output', 'e2e'), populate = undefined } = {}) {
    const vs = new VsCode();
    vs.shots = shots;
    installDebianPackages();
    installCodeServer();
    execFileSync('cp', ['-r', join(repo, 'demo'), vs.workspace]);
    // What the demo's scripts write locally (git-ignored) is not part of the demo workspace.
    for (const made of ['out', join('runs', 'live')]) rmSync(join(vs.workspace, made), { recursive: true, force: true });
    // More files in the workspace before VS Code opens it (a scenario's own logs).
    populate?.(vs.workspace);
    const ext = join(vs.work, 'extensions');
    const user = join(vs.work, 'user');
    mkdirSync(join(user, 'User'), { recursive: true });
    writeFileSync(
      join(user, 'User', 'settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'git.openRepositoryInParentFolders': 'never',
        'workbench.tips.enabled': false,
        'workbench.colorTheme': 'Default Light Modern',
        ...settings,
      }),
    );
    execFileSync(process.execPath, [codeServerBin, '--extensions-dir', ext, '--user-data-dir', user, '--install-extension', join(repo, 'model-lens.vsix')], {
      stdio: 'inherit',
    });
    const port = await freePort();
    vs.#server = spawn(
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
        user,
        '--extensions-dir',
        ext,
        vs.workspace,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    await new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('code-server did not start')), 60_000);
      vs.#server.stdout.on('data', (d) => String(d).includes('HTTP server listening') && (clearTimeout(t), res()));
    });
    vs.#browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    vs.page = await vs.#browser.newPage({ viewport: { width: 1500, height: 950 } });
    vs.#url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(vs.workspace)}`;
    await vs.open();
    return vs;
  }

  async open() {
    await this.page.goto(this.#url);
    await this.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await this.page.waitForTimeout(2000);
  }

  async stop() {
    await this.#browser?.close().catch(() => {});
    this.#server?.kill('SIGTERM');
    rmSync(this.work, { recursive: true, force: true });
  }

  /** Picks a colour theme by name in "Preferences: Color Theme". */
  async colorTheme(name) {
    await this.runCommand('Preferences: Color Theme');
    const input = this.page.locator('.quick-input-widget input[placeholder*="Color Theme"]');
    await input.waitFor({ state: 'visible' }).catch(async (err) => {
      await this.shot('color-theme-picker');
      throw err;
    });
    await input.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.waitForTimeout(1500);
  }

  /**
   * Changes a user setting as a person would: Preferences: Open User Settings (JSON), the whole text
   * replaced, saved and closed (VS Code does not notice the file changed behind its back here).
   */
  async setting(key, value) {
    const file = join(this.work, 'user', 'User', 'settings.json');
    const all = JSON.parse(readFileSync(file, 'utf8'));
    if (value === undefined) delete all[key];
    else all[key] = value;
    // One line (typed newlines would be auto-indented), and whatever the editor closed after the cursor removed.
    const text = JSON.stringify(all);
    await this.runCommand('Preferences: Open User Settings (JSON)');
    const editor = this.page.locator('.editor-instance .monaco-editor').first();
    await this.page.locator('.tab.active', { hasText: 'settings.json' }).waitFor({ timeout: 30_000 });
    await editor.click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.insertText(text);
    await this.page.keyboard.press('Control+Shift+End');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.press('Control+S');
    for (let i = 0; i < 40 && readFileSync(file, 'utf8') !== text; i++) await this.page.waitForTimeout(250);
    await this.page.keyboard.press('Control+W');
  }

  async shot(name) {
    mkdirSync(this.shots, { recursive: true });
    await this.page.screenshot({ path: join(this.shots, `${name}.png`) });
  }

  /** Runs a palette command; retried while the extension host is still registering contributions (a fresh install on a busy machine). */
  async runCommand(title) {
    const page = this.page;
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('Escape');
      // Focus the workbench outside any webview (a webview keeps F1 to itself): the side bar's title.
      await page
        .locator('.part.sidebar .composite.title')
        .click()
        .catch(() => {});
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      try {
        await input.waitFor({ state: 'visible', timeout: 5000 });
        await input.fill(`>${title}`);
        // The row whose label is exactly the title (not one that merely contains it).
        const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
        const row = page
          .locator('.quick-input-list .monaco-list-row')
          .filter({ has: page.locator('.label-name', { hasText: exact }) })
          .first();
        await row.waitFor({ timeout: 15_000 });
        await row.click();
        return;
      } catch (err) {
        if (attempt >= 8) throw err;
      }
    }
  }

  /** VS Code's simple file dialog (code-server has no native one): type the path and accept. */
  async answerDialog(file) {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await this.page.waitForTimeout(400);
    await input.fill(file);
    await this.page.waitForTimeout(400);
    await this.page.keyboard.press('Enter');
  }

  /** The simple dialog of a folder: the path typed and accepted; when it opened the folder instead, OK accepts it. */
  async answerFolderDialog(folder) {
    await this.answerDialog(folder);
    await this.page.waitForTimeout(600);
    const ok = this.page.locator('.quick-input-widget .quick-input-action a, .quick-input-widget .monaco-button', { hasText: 'OK' });
    if (await this.page.locator('.quick-input-widget').isVisible())
      await ok
        .first()
        .click({ timeout: 5000 })
        .catch(() => this.page.keyboard.press('Enter'));
  }

  /** The frame of the model panel's webview (the one holding its "Choose image…" button). */
  async panelFrame(tries = 120) {
    for (let i = 0; i < tries; i++) {
      for (const f of this.page.frames()) if (await f.$('#pick').catch(() => null)) return f;
      await this.page.waitForTimeout(250);
    }
    throw new Error('the model panel did not appear');
  }

  /** The frame of the pair panel's webview (the one holding its "View A…" button). */
  async pairFrame(tries = 120) {
    for (let i = 0; i < tries; i++) {
      for (const f of this.page.frames()) if (await f.$('#pick-a').catch(() => null)) return f;
      await this.page.waitForTimeout(250);
    }
    throw new Error('the pair panel did not appear');
  }

  /** Right-clicks a file's row in the explorer (revealing it first) and picks a context-menu item. */
  async explorerMenu(relativePath, item) {
    const page = this.page;
    await this.runCommand('View: Close All Editors');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(relativePath);
    // The row of this very file: its description is the folder (quick open ranks recent files first).
    const folder = relativePath.split('/').slice(0, -1).join('/');
    const match = page
      .locator('.quick-input-list .monaco-list-row', { hasText: relativePath.split('/').pop() })
      .filter({ hasText: folder })
      .first();
    await match.waitFor();
    await match.click();
    // The editor shows the file itself (its breadcrumbs name the folder) before the explorer is asked to reveal it.
    await page
      .locator('.breadcrumbs-control', { hasText: relativePath.split('/').slice(-2)[0] })
      .first()
      .waitFor({ timeout: 15_000 });
    await this.runCommand('File: Reveal Active File in Explorer View');
    const row = page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: relativePath.split('/').pop() });
    await row.waitFor({ timeout: 15_000 });
    // The selected row must sit under the right folder: its parent folder row is expanded just above.
    await page
      .locator('.explorer-folders-view .monaco-list-row[aria-expanded="true"]', { hasText: relativePath.split('/').slice(-2)[0] })
      .first()
      .waitFor({ timeout: 15_000 });
    // The explorer re-renders while it reveals the file, and a click that lands while the menu opens
    // is lost: retry the whole right-click → menu item sequence.
    await this.contextMenu(row, item);
  }

  /** Right-clicks a row and picks a context-menu item, the whole sequence retried (a click on a row being re-rendered is lost). */
  async contextMenu(row, item) {
    const page = this.page;
    for (let attempt = 1; ; attempt++) {
      try {
        await row.waitFor({ timeout: 15_000 });
        await row.click({ button: 'right' });
        const entry = page.getByRole('menuitem', { name: item });
        await entry.waitFor({ state: 'visible', timeout: 5000 });
        await page.waitForTimeout(300);
        await entry.click();
        await page.getByRole('menuitem', { name: item }).waitFor({ state: 'hidden', timeout: 5000 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(500);
      }
    }
  }

  /**
   * Selects several files in the explorer (the last one revealed, the others added with Ctrl+click; every
   * file's folder must stay expanded) and picks a context-menu item on the selection.
   */
  async explorerMultiMenu(relativePaths, item) {
    const page = this.page;
    /** The data-index of a file's row: the row named like the file, under its parent folder's row. */
    const indexOf = (rel) =>
      page.evaluate((parts) => {
        const rows = [...document.querySelectorAll('.explorer-folders-view .monaco-list-row')].sort(
          (a, b) => Number(a.dataset.index) - Number(b.dataset.index),
        );
        const name = (r) => r.getAttribute('aria-label')?.split(/[\\/]/).pop() ?? r.textContent.trim();
        let folderLevel = -1;
        for (const r of rows) {
          const level = Number(r.getAttribute('aria-level'));
          if (folderLevel >= 0 && level <= folderLevel) folderLevel = -1;
          if (r.getAttribute('aria-expanded') === 'true' && name(r) === parts[0]) folderLevel = level;
          else if (folderLevel >= 0 && level === folderLevel + 1 && name(r) === parts[1]) return r.dataset.index;
        }
        return null;
      }, rel.split('/').slice(-2));
    // Reveal each file in turn (each reveal expands its folder and selects it).
    for (const rel of relativePaths) {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(rel);
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: rel.split('/').pop() })
        .filter({ hasText: rel.split('/').slice(0, -1).join('/') })
        .first()
        .click();
      await page.waitForTimeout(1500);
      await this.runCommand('File: Reveal Active File in Explorer View');
      await page.waitForTimeout(800);
    }
    await this.runCommand('View: Close All Editors');
    for (let attempt = 1; ; attempt++) {
      try {
        const indices = [];
        for (const rel of relativePaths) {
          const i = await indexOf(rel);
          if (i === null) throw new Error(`no explorer row for ${rel}`);
          indices.push(i);
        }
        const row = (i) => page.locator(`.explorer-folders-view .monaco-list-row[data-index="${i}"]`);
        await row(indices.at(-1)).click();
        for (const i of indices.slice(0, -1)) await row(i).click({ modifiers: ['Control'] });
        await row(indices.at(-1)).click({ button: 'right' });
        const entry = page.getByRole('menuitem', { name: item });
        await entry.waitFor({ state: 'visible', timeout: 5000 });
        await page.waitForTimeout(300);
        await entry.click();
        await page.getByRole('menuitem', { name: item }).waitFor({ state: 'hidden', timeout: 5000 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(500);
      }
    }
  }

  /** Right-clicks a top-level folder's row in the explorer and picks a context-menu item. */
  async explorerFolderMenu(name, item) {
    const page = this.page;
    await this.runCommand('View: Close All Editors');
    await this.runCommand('File: Focus on Files Explorer');
    await this.contextMenu(page.locator(`.explorer-folders-view .monaco-list-row[aria-level="1"][aria-label="${name}"]`), item);
  }

  /** The frame of the SpRAy panel's webview (the one holding its embedding chart, laid out: not a hidden copy). */
  async sprayFrame(tries = 120) {
    for (let i = 0; i < tries; i++) {
      for (const f of this.page.frames()) if (await f.$eval('#scatter', (c) => c.getBoundingClientRect().width > 0).catch(() => false)) return f;
      await this.page.waitForTimeout(250);
    }
    throw new Error('the SpRAy panel did not appear');
  }

  /** The frame of the compare panel's webview (the one holding its "Image…" button). */
  async compareFrame(tries = 120) {
    for (let i = 0; i < tries; i++) {
      for (const f of this.page.frames()) if (await f.$('#pick-folder').catch(() => null)) return f;
      await this.page.waitForTimeout(250);
    }
    throw new Error('the compare panel did not appear');
  }

  /** In a model pick (its title given), the last row "Choose a model file…": filtered to, as a long list keeps it out of sight. */
  async chooseModelFile(titleText) {
    const title = this.page.locator('.quick-input-widget .quick-input-title', { hasText: titleText });
    await title.waitFor({ state: 'visible', timeout: 15_000 });
    await this.page.locator('.quick-input-widget input').fill('Choose a model file');
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Choose a model file…' }).click();
  }

  /** Opens a model and an image through "Model Lens: Explain Image…" and waits for the first result. */
  async explain(imagePath, modelPath, method = 'gradcam') {
    await this.runCommand('Model Lens: Explain Image…');
    await this.answerDialog(imagePath);
    // "Explain with which model?" lists the workspace's models; the file dialog is its last row — out of
    // sight in a long list, so the filter brings it up.
    const pick = this.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Choose a model file…' });
    const input = this.page.locator('.quick-input-widget input');
    // The model pick (not the image dialog still closing): its title asks which model.
    const title = this.page.locator('.quick-input-widget .quick-input-title', { hasText: 'with which model?' });
    if (
      await title.waitFor({ state: 'visible', timeout: 5000 }).then(
        () => true,
        () => false,
      )
    ) {
      await input.fill('Choose a model file');
      if (
        await pick.waitFor({ timeout: 3000 }).then(
          () => true,
          () => false,
        )
      )
        await pick.click();
    }
    await this.answerDialog(modelPath);
    const frame = await this.panelFrame();
    await waitForResult(frame, method);
    return frame;
  }
}

/** Sets the model panel's method and parameters in one step (one job, not one per field). */
export async function setMethod(frame, method, params = {}) {
  await frame.evaluate(
    ([m, p]) => {
      const select = document.getElementById('method');
      select.value = m;
      select.dispatchEvent(new Event('change', { bubbles: true }));
      for (const [key, v] of Object.entries(p)) {
        const field = document.getElementById(`param-${key}`);
        field.value = String(v);
        field.dispatchEvent(new Event('change', { bubbles: true }));
      }
    },
    [method, params],
  );
}

export async function waitForResult(frame, method, previous = '', timeout = 120_000) {
  await frame.waitForFunction(
    ([m, prev]) => {
      const t = document.getElementById('timing')?.textContent ?? '';
      // The panel names a method by its title ("Grad-CAM at …"); tests may name it by its id ("gradcam").
      const letters = (x) => x.toLowerCase().replace(/[^a-z]/g, '');
      return (t.startsWith(m) || letters(t).startsWith(letters(m))) && t.includes(' ms on ') && t !== prev;
    },
    [method, previous],
    { timeout },
  );
  return frame.$eval('#timing', (e) => e.textContent);
}

export async function canvasPixels(frame, id) {
  return frame.$eval(`#${id}`, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    return { width: d.width, height: d.height, data: Array.from(d.data) };
  });
}

/** Share of the pixels whose colour changed by more than 2 in some channel. */
export function changedShare(a, b) {
  let changed = 0;
  for (let p = 0; p < a.data.length / 4; p++) {
    if ([0, 1, 2].some((c) => Math.abs(a.data[p * 4 + c] - b.data[p * 4 + c]) > 2)) changed++;
  }
  return changed / (a.data.length / 4);
}

/** Sets a vscode-single-select or text field and fires its change event, as a user's pick does. */
export async function setValue(frame, id, value, event = 'change') {
  await frame.$eval(
    `#${id}`,
    (el, [v, ev]) => {
      el.value = v;
      el.dispatchEvent(new Event(ev, { bubbles: true }));
    },
    [value, event],
  );
}
