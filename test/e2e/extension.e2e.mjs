// End-to-end tests in a real VS Code (code-server 4.100.3) driven by Playwright in Debian's Chromium.
// `npm run test:e2e` packages the .vsix first; test/e2e/harness.mjs installs it and drives the UI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { VsCode, canvasPixels, changedShare, repo, setMethod, setValue, waitForResult } from './harness.mjs';

/** @type {VsCode} */
let vs;
let modelPath;
const image = (f) => join(vs.workspace, 'images', f);
const timing = (frame) => frame.$eval('#timing', (e) => e.textContent);

before(async () => {
  vs = await VsCode.start();
  modelPath = join(vs.workspace, 'models', 'shapes', 'model.json');
  // Models beyond the demo: MobileNetV2-shaped (dozens of layers) and one with two outputs.
  execFileSync(process.execPath, ['--import', 'tsx', join(repo, 'test', 'e2e', 'make-models.ts'), join(vs.workspace, 'extra')], {
    cwd: repo,
    stdio: 'inherit',
  });
});

after(async () => {
  await vs?.stop();
});

test('(a) the palette command explains a demo image: right class, wasm in the status bar, overlay equals the CLI --out', async () => {
  const frame = await vs.explain(image('triangle-1.png'), modelPath);
  assert.match(await timing(frame), /on wasm$/);
  // The demo ends in a softmax: a percentage, of a probability.
  assert.match(await frame.$eval('#top', (e) => e.textContent), /^triangle — \d+\.\d % ◀ target/);
  await vs.page.locator('.statusbar', { hasText: `Model Lens: wasm ×${availableParallelism()}` }).waitFor({ timeout: 10_000 });
  const drawn = await canvasPixels(frame, 'overlay');
  const out = join(vs.work, 'cli-overlay.png');
  // At the image's own size (--out-size 64): the overlay drawn on screen, pixel for pixel.
  execFileSync(process.execPath, [
    join(repo, 'bin', 'model-lens.js'),
    'explain',
    modelPath,
    image('triangle-1.png'),
    '--out',
    out,
    '--backend',
    'wasm',
    '--out-size',
    '64',
  ]);
  const cli = PNG.sync.read(readFileSync(out));
  assert.deepEqual([drawn.width, drawn.height], [cli.width, cli.height]);
  let worst = 0;
  for (let i = 0; i < cli.data.length; i++) if (i % 4 !== 3) worst = Math.max(worst, Math.abs(cli.data[i] - drawn.data[i]));
  assert.ok(worst <= 2, `largest channel difference ${worst}`);
  await vs.shot('panel-light');
  await vs.runCommand('Preferences: Toggle between Light/Dark Themes');
  await vs.page.waitForTimeout(1500);
  await vs.shot('panel-dark');
  await vs.runCommand('Preferences: Toggle between Light/Dark Themes');
  await vs.colorTheme('Dark High Contrast');
  await vs.shot('panel-high-contrast');
  await vs.colorTheme('Light Modern');
});

test('(c) changing the method and the opacity each change a stated share of the overlay', async () => {
  const frame = await vs.panelFrame();
  const before = await canvasPixels(frame, 'overlay');
  const previous = await timing(frame);
  await setValue(frame, 'method', 'saliency');
  await waitForResult(frame, 'saliency', previous);
  const afterMethod = await canvasPixels(frame, 'overlay');
  const methodShare = changedShare(before, afterMethod);
  assert.ok(methodShare >= 0.3, `method change altered ${(100 * methodShare).toFixed(1)}% of the pixels (≥ 30% expected)`);
  await setValue(frame, 'opacity', '0.9', 'input');
  await vs.page.waitForTimeout(300);
  const afterOpacity = await canvasPixels(frame, 'overlay');
  const opacityShare = changedShare(afterMethod, afterOpacity);
  assert.ok(opacityShare >= 0.5, `opacity change altered ${(100 * opacityShare).toFixed(1)}% of the pixels (≥ 50% expected)`);
});

test('(d) a long occlusion job is cancelled and the worker is idle soon after', async () => {
  const frame = await vs.panelFrame();
  await setValue(frame, 'method', 'occlusion');
  await frame.waitForSelector('#param-window');
  await setValue(frame, 'param-stride', '1');
  await setValue(frame, 'param-window', '2');
  await frame.waitForSelector('#cancel:not([hidden])', { timeout: 30_000 });
  await vs.page.waitForTimeout(500);
  const t0 = Date.now();
  await frame.click('#cancel');
  await frame.waitForSelector('#cancel[hidden]', { state: 'attached', timeout: 10_000 });
  const stopped = Date.now() - t0;
  assert.ok(stopped < 2000, `idle ${stopped} ms after cancel`);
  // The worker is free: the next job answers at once.
  const previous = await timing(frame);
  await setValue(frame, 'method', 'gradcam');
  const t1 = Date.now();
  await waitForResult(frame, 'gradcam', previous);
  assert.ok(Date.now() - t1 < 10_000);
});

test('(f) the layer strip shows Grad-CAM at every 4-D layer; clicking one selects that layer', async () => {
  const frame = await vs.panelFrame();
  const layers = await frame.$$eval('#layer vscode-option', (os) => os.map((o) => o.getAttribute('value')));
  assert.ok(layers.length >= 4, `${layers.length} layers to choose from`);
  await frame.click('#preview');
  await frame.waitForFunction((n) => document.getElementById('strip-count')?.textContent === `${n} of ${n} layers`, layers.length, { timeout: 60_000 });
  const thumbs = await frame.$$eval('#strip .thumb span', (s) => s.map((e) => e.textContent));
  assert.deepEqual(thumbs, layers);
  // Every thumbnail is a real map: not one flat colour.
  const flat = await frame.$$eval(
    '#strip canvas',
    (cs) =>
      cs.filter((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return d.every((v, i) => v === d[i % 4]);
      }).length,
  );
  assert.equal(flat, 0, 'no thumbnail is one flat colour');
  const previous = await timing(frame);
  await frame.click(`#strip .thumb[title="Use layer ${layers[0]}"]`);
  const t = await waitForResult(frame, 'gradcam', previous);
  assert.match(t, new RegExp(`^Grad-CAM at ${layers[0]} `));
  assert.equal(await frame.$eval('#layer', (e) => e.value), layers[0]);
  await vs.shot('layer-strip');
});

test('(g) the panel comes back after a window reload with its model, image and settings', async () => {
  let frame = await vs.panelFrame();
  const before = {
    image: await frame.$eval('#image-name', (e) => e.textContent),
    method: await frame.$eval('#method', (e) => e.value),
    layer: await frame.$eval('#layer', (e) => e.value),
    timing: await timing(frame),
  };
  await vs.runCommand('Developer: Reload Window');
  await vs.page.waitForTimeout(3000);
  await vs.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  frame = await vs.panelFrame(240);
  const t = await waitForResult(frame, 'gradcam');
  assert.equal(t.replace(/ · \d+ ms on .*$/, ''), before.timing.replace(/ · \d+ ms on .*$/, ''));
  assert.equal(await frame.$eval('#image-name', (e) => e.textContent), before.image);
  assert.equal(await frame.$eval('#method', (e) => e.value), before.method);
  assert.equal(await frame.$eval('#layer', (e) => e.value), before.layer);
});

test('(h) every control of the panel is reachable with the Tab key', async () => {
  const frame = await vs.panelFrame();
  // The strip is not kept across the reload: fill it again (from the keyboard: Enter on the button).
  await frame.focus('#preview');
  await vs.page.keyboard.press('Enter');
  await frame.waitForSelector('#strip .thumb', { timeout: 60_000 });
  await frame.focus('#pick');
  const seen = new Set();
  for (let i = 0; i < 80; i++) {
    seen.add(
      await frame.evaluate(() => {
        const a = document.activeElement;
        return a?.id || a?.getAttribute('aria-label') || a?.getAttribute('title') || a?.tagName.toLowerCase();
      }),
    );
    await vs.page.keyboard.press('Tab');
  }
  for (const id of ['pick', 'export', 'copy', 'method', 'layer', 'target', 'colormap', 'opacity', 'preview', 'layer-filter', 'Sort by Layer']) {
    assert.ok(seen.has(id), `Tab never reaches ${id} (reached: ${[...seen].join(', ')})`);
  }
  assert.ok(
    [...seen].some((s) => String(s).startsWith('Use layer ')),
    'Tab reaches the layer strip',
  );
  // Keyboard alone changes the colormap: focus the select, open it, move down, accept.
  await frame.focus('#colormap');
  const before = await frame.$eval('#colormap', (e) => e.value);
  await vs.page.keyboard.press('Enter');
  await vs.page.keyboard.press('ArrowDown');
  await vs.page.keyboard.press('Enter');
  await frame.waitForFunction((b) => document.getElementById('colormap').value !== b, before, { timeout: 5000 });
});

test('(b) the explorer context menu opens the model', async () => {
  await vs.explorerMenu('models/shapes/model.json', 'Open Model…');
  const frame = await vs.panelFrame();
  await frame.waitForSelector('#recent button');
  await frame.click('#recent button');
  assert.match(await waitForResult(frame, ''), /on wasm$/);
  assert.match(await frame.$eval('#top', (e) => e.textContent), /^triangle/);
  await vs.shot('panel-from-explorer');
});

test('(e) a corrupt model shows its error message', async () => {
  await vs.runCommand('View: Close All Editors');
  const broken = join(vs.workspace, 'broken');
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(broken, 'model.json'), '{"modelTopology": {');
  await vs.runCommand('Model Lens: Open Model…');
  await vs.answerDialog(join(broken, 'model.json'));
  const frame = await vs.panelFrame();
  await frame.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
  assert.match(
    await frame.$eval('#error', (e) => e.textContent),
    new RegExp(`^${join(broken, 'model.json').replace(/[/.]/g, '\\$&')}: malformed model\\.json \\(`),
  );
  await vs.shot('corrupt-model');
});

test('(i) a model with two outputs gets an output picker, and each output is explained with its own classes', async () => {
  await vs.runCommand('View: Close All Editors');
  const frame = await vs.explain(image('circle-1.png'), join(vs.workspace, 'extra', 'two-heads', 'model.json'));
  const outputs = await frame.$$eval('#output vscode-option', (os) => os.map((o) => o.textContent));
  assert.deepEqual(outputs, ['shape', 'colour']);
  assert.equal(await frame.$$eval('#target vscode-option', (os) => os.length), 1 + 4);
  const previous = await timing(frame);
  await setValue(frame, 'output', '1');
  await waitForResult(frame, 'gradcam', previous);
  assert.equal(await frame.$$eval('#target vscode-option', (os) => os.length), 1 + 3);
  const top = await frame.$$eval('#top li', (ls) => ls.map((l) => l.textContent));
  assert.equal(top.length, 3, `colour has three classes: ${top.join(' | ')}`);
});

test('(j) the layer strip stays usable on a MobileNetV2-shaped model', async () => {
  await vs.runCommand('View: Close All Editors');
  const frame = await vs.explain(image('square-1.png'), join(vs.workspace, 'extra', 'mobilenet-v2', 'model.json'));
  const layers = await frame.$$eval('#layer vscode-option', (os) => os.length);
  assert.ok(layers >= 50, `${layers} 4-D layers`);
  // Record every count the strip shows, to see the thumbnails stream in.
  await frame.evaluate(() => {
    const counts = (window.__stripCounts = []);
    const el = document.getElementById('strip-count');
    new MutationObserver(() => counts.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  });
  const t0 = Date.now();
  await frame.click('#preview');
  await frame.waitForSelector('#strip .thumb', { timeout: 60_000 });
  const first = Date.now() - t0;
  // While the strip is computed the panel responds: filtering the layer table works at once.
  await setValue(frame, 'layer-filter', 'block_16', 'input');
  await frame.waitForFunction(
    () =>
      document.querySelectorAll('#layer-table tbody tr').length > 0 &&
      [...document.querySelectorAll('#layer-table tbody tr td:nth-child(2)')].every((td) => td.textContent.includes('block_16')),
    null,
    { timeout: 2000 },
  );
  await frame.waitForFunction((n) => document.getElementById('strip-count')?.textContent === `${n} of ${n} layers`, layers, { timeout: 120_000 });
  const all = Date.now() - t0;
  console.log(`MobileNetV2 layer strip: first thumbnail after ${first} ms, all ${layers} after ${all} ms`);
  const counts = await frame.evaluate(() => window.__stripCounts.filter((c) => c));
  const partial = new Set(counts.filter((c) => c !== `${layers} of ${layers} layers`));
  assert.ok(partial.size >= 3, `the strip filled in at least three steps (saw ${counts.length} counts: ${[...new Set(counts)].slice(0, 5).join(', ')}…)`);
  assert.ok(all < 60_000, `all ${layers} thumbnails took ${all} ms`);
  await frame.$eval('#strip', (s) => s.scrollIntoView());
  await vs.shot('layer-strip-mobilenet');
});

/** The pair panel's two canvases equal the two halves of `model-lens pair … --out` within ±2 per channel. */
async function assertPairMatchesCli(frame, imageA, extraArgs) {
  const out = join(vs.work, `cli-pair-${Date.now()}.png`);
  execFileSync(process.execPath, [
    join(repo, 'bin', 'model-lens.js'),
    'pair',
    encoderPath(),
    imageA,
    '--augment',
    'crop=0.6,flip,jitter=0.4',
    '--method',
    'conditional',
    '--out',
    out,
    '--backend',
    'wasm',
    ...extraArgs,
  ]);
  const cli = PNG.sync.read(readFileSync(out));
  const a = await canvasPixels(frame, 'overlay-a');
  const b = await canvasPixels(frame, 'overlay-b');
  assert.deepEqual([a.width + b.width, Math.max(a.height, b.height)], [cli.width, cli.height]);
  let worst = 0;
  for (const [view, x0] of [
    [a, 0],
    [b, a.width],
  ]) {
    for (let y = 0; y < view.height; y++) {
      for (let x = 0; x < view.width; x++) {
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(cli.data[(y * cli.width + x0 + x) * 4 + c] - view.data[(y * view.width + x) * 4 + c]));
      }
    }
  }
  if (worst > 2) await vs.shot(`pair-mismatch-${Date.now()}`);
  assert.ok(worst <= 2, `largest channel difference ${worst}`);
}

const encoderPath = () => join(vs.workspace, 'models', 'encoder', 'model.json');

/** Empties the pair panel's status line before a re-run: two runs may print the same text (same trial count, same milliseconds), and a wait for a changed line would never end. */
const clearTiming = (frame) =>
  frame.$eval('#timing', (e) => {
    e.textContent = '';
  });

async function waitForPair(frame, method, previous = '', imageA = '') {
  await frame.waitForFunction(
    ([m, prev, a]) => {
      const t = document.getElementById('timing')?.textContent ?? '';
      return t.startsWith(m) && t.includes(' ms on ') && t !== prev && (document.getElementById('image-a')?.textContent ?? '').endsWith(a);
    },
    [method, previous, imageA],
    { timeout: 180_000 },
  );
}

test('(k) the pair panel from the palette: both maps equal the CLI --out; a click on a patch of view A re-explains with it occluded', async () => {
  await vs.runCommand('View: Close All Editors');
  await vs.runCommand('Model Lens: Explain Similarity…');
  // "Explain similarity with which encoder?" lists the workspace's models; the file dialog is its last row.
  await vs.chooseModelFile('with which encoder?');
  await vs.answerDialog(encoderPath());
  await vs.answerDialog(image('triangle-2.png'));
  const frame = await vs.pairFrame();
  await waitForPair(frame, 'conditional', '', 'triangle-2.png');
  assert.match(await frame.$eval('#similarity', (e) => e.textContent), /^cosine similarity -?\d\.\d{4} · embedding embedding/);
  await assertPairMatchesCli(frame, image('triangle-2.png'), []);
  await vs.shot('pair-panel');
  // Probe: click the middle of view A; the result comes back with view A occluded there.
  const before = await canvasPixels(frame, 'overlay-b');
  await clearTiming(frame);
  await frame.click('#overlay-a');
  await waitForPair(frame, 'conditional');
  await frame.waitForSelector('#probe-note:not([hidden])');
  assert.match(await frame.$eval('#probe-text', (e) => e.textContent), /^Showing the maps with view A occluded at \(\d+, \d+\)/);
  const after = await canvasPixels(frame, 'overlay-b');
  assert.ok(changedShare(before, after) > 0.05, "view B's map changed when a patch of view A was occluded");
  await vs.shot('pair-probe');
  // Deletion and insertion are drawn as curves beside their areas.
  await clearTiming(frame);
  await frame.click('#metrics');
  await waitForPair(frame, 'conditional');
  await frame.waitForSelector('#metrics-curve-a:not([hidden])', { timeout: 60_000 });
  assert.match(await frame.$eval('#metrics-a', (e) => e.textContent), /^deletion AUC -?\d\.\d{3} · insertion AUC -?\d\.\d{3}/);
  const curve = await canvasPixels(frame, 'metrics-curve-a');
  let drawn = 0;
  for (let i = 3; i < curve.data.length; i += 4) if (curve.data[i] > 0) drawn++;
  assert.ok(drawn > 500, `the curves are drawn (${drawn} pixels)`);
  await frame.$eval('#metrics-curve-a', (e) => e.scrollIntoView());
  await vs.shot('pair-metrics');
  await frame.click('#metrics');
});

test('(l) the pair panel from a right-click on the encoder, with another method', async () => {
  await vs.explorerMenu('models/encoder/model.json', 'Explain Similarity…');
  await vs.answerDialog(image('cross-3.png'));
  const frame = await vs.pairFrame();
  await waitForPair(frame, 'conditional', '', 'cross-3.png');
  await assertPairMatchesCli(frame, image('cross-3.png'), []);
  const previous = await frame.$eval('#timing', (e) => e.textContent);
  await setValue(frame, 'method', 'interaction-cam');
  await waitForPair(frame, 'interaction-cam', previous);
  assert.match(await frame.$eval('#similarity', (e) => e.textContent), /features last_conv_relu$/);
  await vs.shot('pair-panel-light');
  await vs.colorTheme('Dark Modern');
  await vs.shot('pair-panel-dark');
  await vs.colorTheme('Light Modern');
  // Pairwise occlusion with the reference code's credit rule: the status says how many trials carry the weight; the maps equal the CLI's.
  await clearTiming(frame);
  await setValue(frame, 'method', 'pairwise');
  await waitForPair(frame, 'pairwise');
  await clearTiming(frame);
  await setValue(frame, 'assign', 'smaller-norm');
  await waitForPair(frame, 'pairwise');
  assert.match(await frame.$eval('#timing', (e) => e.textContent), /^pairwise · \d+ of 100 trials effective/);
  await assertPairMatchesCli(frame, image('cross-3.png'), ['--method', 'pairwise', '--assign', 'smaller-norm']);
  await vs.shot('pair-pairwise');
  await vs.colorTheme('Dark Modern');
  await vs.shot('pair-pairwise-dark');
  await vs.colorTheme('Light Modern');
});

/** Copies a model into the workspace, opens it from the explorer, explains an image; the overlay must equal the CLI's --out. */
async function openFromExplorerAndCompare(fixture, relative, meta, imageFile) {
  const file = join(vs.workspace, relative);
  copyFileSync(join(repo, 'test', 'fixtures', fixture), file);
  await vs.explorerMenu(relative, 'Open Model…');
  const frame = await vs.panelFrame();
  await frame.waitForFunction((m) => new RegExp(m).test(document.getElementById('model-meta')?.textContent ?? ''), meta.source, { timeout: 60_000 });
  await frame.click('#pick');
  await vs.answerDialog(image(imageFile));
  assert.match(await waitForResult(frame, 'gradcam'), /on wasm$/);
  const drawn = await canvasPixels(frame, 'overlay');
  const out = join(vs.work, `${relative.replace(/\W/g, '_')}.png`);
  execFileSync(
    process.execPath,
    [join(repo, 'bin', 'model-lens.js'), 'explain', file, image(imageFile), '--out', out, '--backend', 'wasm', '--out-size', String(drawn.width)],
    {
      cwd: repo,
    },
  );
  const cli = PNG.sync.read(readFileSync(out));
  assert.deepEqual([cli.width, cli.height], [drawn.width, drawn.height]);
  let worst = 0;
  for (let i = 0; i < cli.data.length; i++) if (i % 4 !== 3) worst = Math.max(worst, Math.abs(cli.data[i] - drawn.data[i]));
  assert.ok(worst <= 2, `overlay differs from the CLI's by up to ${worst}`);
}

test('(p) an ONNX model exported by PyTorch opens from the explorer and is explained; the overlay equals the CLI --out', async () => {
  await openFromExplorerAndCompare(
    'onnx/dw-residual.onnx',
    'extra/dw-residual.onnx',
    /^onnx · 949 parameters · input \[\?×3×16×16\] NCHW, fed as \[\?×16×16×3\]/,
    'cross-2.png',
  );
  await vs.shot('onnx-panel');
});

test('(q) a Keras 3 .keras archive opens from the explorer and is explained; the overlay equals the CLI --out', async () => {
  await openFromExplorerAndCompare('keras/keras3-functional.keras', 'extra/functional.keras', /^keras · 280 parameters · input \[\?×12×12×3\]/, 'square-3.png');
});

test("(t) other people's models: a double-clicked .onnx opens the panel; a LogSoftmax model shows probabilities equal to exp(output); the scale control re-runs and changes the model-input picture; a cancel keeps the previous map, marked; a truncated model offers another", async () => {
  const page = vs.page;
  await vs.runCommand('View: Close All Editors');
  const onnx = join(vs.workspace, 'extra', 'logsoftmax', 'classifier.onnx');
  // Opening the file (quick open, as a double-click does) opens it in its default editor: the model panel.
  await page.locator('.part.sidebar .composite.title').click();
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('classifier.onnx');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'classifier.onnx' }).first().click();
  let frame = await vs.panelFrame();
  await frame.waitForFunction(() => document.getElementById('model-name')?.textContent === 'logsoftmax/classifier.onnx', null, { timeout: 30_000 });
  assert.equal(await page.locator('.tab.active', { hasText: 'classifier.onnx' }).count(), 1, "the file's tab is the panel");
  assert.match(await frame.$eval('#model-meta', (e) => e.textContent), /input \[1×3×64×64\] NCHW, fed as \[1×64×64×3\]/);
  await frame.click('#pick');
  await vs.answerDialog(image('circle-1.png'));
  await waitForResult(frame, 'Grad-CAM');
  // Each shown percentage is exp(output) of its class, and the class names come from classes.json.
  const cli = JSON.parse(
    execFileSync(process.execPath, [join(repo, 'bin', 'model-lens.js'), 'explain', onnx, image('circle-1.png'), '--json', '--backend', 'wasm'], {
      encoding: 'utf8',
    }),
  );
  assert.equal(cli.scoreKind, 'log-probability');
  const shown = await frame.$$eval('#top li', (ls) => ls.map((l) => l.textContent));
  assert.equal(shown.length, 4);
  for (const [i, p] of cli.top.entries()) {
    const m = /^(\w+) — log-probability (−?[\d.]+) \(([\d.]+) %\)/.exec(shown[i]);
    assert.ok(m, shown[i]);
    assert.equal(m[1], p.label);
    assert.ok(Math.abs(Number(m[3]) - 100 * Math.exp(p.score)) <= 0.05, `${shown[i]}: exp(${p.score}) = ${(100 * Math.exp(p.score)).toFixed(2)} %`);
  }
  assert.match(await frame.$eval('#score-kind', (e) => e.textContent), /log-probability per class \(LogSoftmax\); shown as its probability, exp\(output\)/);
  await vs.shot('model-logsoftmax');

  // The scale control: a re-run, and the picture of the input as the model sees it turns white (255 times too bright).
  const before = await canvasPixels(frame, 'model-input');
  await setValue(frame, 'pre-scale', '0..255');
  // The re-run's timing line can read as before (same class, same milliseconds): wait for the picture instead.
  let after = before;
  for (let i = 0; i < 120 && changedShare(before, after) <= 0.5; i++) {
    await page.waitForTimeout(250);
    after = await canvasPixels(frame, 'model-input');
  }
  assert.ok(changedShare(before, after) > 0.5, `the model-input picture changed (${(100 * changedShare(before, after)).toFixed(0)} %)`);
  assert.equal(await frame.$eval('.pre-row[data-key="scale"] .source', (e) => e.textContent), 'set here');
  await frame.$eval('#model-input', (e) => e.scrollIntoView());
  await vs.shot('model-input');
  await frame.click('#pre-reset');
  // Back to the model's settings: the picture as it was.
  for (let i = 0; i < 120 && changedShare(before, await canvasPixels(frame, 'model-input')) > 0.01; i++) await page.waitForTimeout(250);
  assert.ok(changedShare(before, await canvasPixels(frame, 'model-input')) <= 0.01, "the model's settings again: the picture as before");

  // Cancel: the previous map stays, marked as such; no error notification.
  const mapBefore = await canvasPixels(frame, 'overlay');
  await setValue(frame, 'method', 'occlusion');
  await frame.waitForSelector('#param-window');
  await setValue(frame, 'param-stride', '1');
  await setValue(frame, 'param-window', '2');
  await frame.waitForSelector('#cancel:not([hidden])', { timeout: 30_000 });
  await page.waitForTimeout(400);
  await frame.click('#cancel');
  await frame.waitForFunction(() => /cancelled — showing the previous result/.test(document.getElementById('status')?.textContent ?? ''), null, {
    timeout: 5000,
  });
  assert.equal(await frame.$eval('#drop', (e) => e.classList.contains('stale')), true);
  assert.equal(changedShare(mapBefore, await canvasPixels(frame, 'overlay')), 0, 'the previous map is still drawn');
  assert.equal(
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: 'Model Lens:' })
      .filter({ has: page.locator('.codicon-error') })
      .count(),
    0,
    'no error notification',
  );
  await vs.shot('model-cancelled');

  // A truncated model: the error, and Choose another model… opens one from the workspace's list.
  await page.locator('.part.sidebar .composite.title').click();
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('truncated/model.onnx');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'model.onnx' }).first().click();
  frame = await (async () => {
    for (let i = 0; i < 120; i++) {
      for (const f of page.frames()) if (await f.$('#choose-model').catch(() => null)) return f;
      await page.waitForTimeout(250);
    }
    throw new Error('no Choose another model button');
  })();
  assert.match(await frame.$eval('#error', (e) => e.textContent), /truncated\/model\.onnx: not a readable ONNX model \(the file is truncated or corrupt\)/);
  assert.equal(await frame.$eval('#model-name', (e) => e.textContent), 'Could not load model.onnx');
  await vs.shot('model-load-failed');
  await frame.click('#choose-model');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'classifier.onnx' }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
  await frame.waitForFunction(() => document.getElementById('model-name')?.textContent === 'logsoftmax/classifier.onnx', null, { timeout: 30_000 });
  assert.equal(await frame.$eval('#error', (e) => e.hidden), true);
});

test('(u) two models selected in the explorer → Compare Models: each map equals the CLI compare --out PNG; the metrics table equals compare --json; the knowledge view draws with N_fg per epoch; all of it comes back after a reload', async () => {
  const page = vs.page;
  const models = ['runs/teacher/model.onnx', 'runs/student-kd-s1/model.onnx'];
  // The file right-clicked (the last one selected) is the reference, m1.
  await vs.explorerMultiMenu([...models].reverse(), 'Compare Models…');
  let frame = await vs.compareFrame();
  await frame.waitForFunction(() => document.querySelectorAll('#models li').length === 2, null, { timeout: 30_000 });
  assert.deepEqual(await frame.$$eval('#models li', (ls) => ls.map((l) => l.textContent)), [
    'm1 teacher/model.onnx (reference)',
    'm2 student-kd-s1/model.onnx',
  ]);
  // Side by side: every model's map of one image, drawn as `compare --out` writes it.
  const kdImages = join(vs.workspace, 'kd-images');
  await frame.click('#pick-image');
  await vs.answerDialog(join(kdImages, 'circle', 'circle-3.png'));
  await frame.waitForFunction(() => /^Grad-CAM by 2 models on circle-3\.png$/.test(document.getElementById('timing')?.textContent ?? ''), null, {
    timeout: 120_000,
  });
  const out = join(vs.work, 'compare-out');
  const paths = models.map((m) => join(vs.workspace, m));
  execFileSync(process.execPath, [
    join(repo, 'bin', 'model-lens.js'),
    'compare',
    ...paths,
    join(kdImages, 'circle', 'circle-3.png'),
    '--out',
    out,
    '--backend',
    'wasm',
  ]);
  for (const k of [0, 1]) {
    const drawn = await canvasPixels(frame, `overlay-${k}`);
    const cli = PNG.sync.read(readFileSync(join(out, `circle-3.m${k + 1}.overlay.png`)));
    assert.deepEqual([drawn.width, drawn.height], [cli.width, cli.height]);
    let worst = 0;
    for (let i = 0; i < cli.data.length; i++) if (i % 4 !== 3) worst = Math.max(worst, Math.abs(cli.data[i] - drawn.data[i]));
    assert.ok(worst <= 2, `model ${k + 1}: the drawn map differs from the CLI's by up to ${worst}`);
  }
  // The exported students and teacher end in logits: the percentage is named as their softmax, not as an output.
  assert.match(await frame.$eval('.compare-card .prediction', (e) => e.textContent), /^circle — logit −?[\d.]+ \(softmax of logits \d+\.\d %\)$/);
  assert.equal(await frame.$$eval('#similarity tbody tr', (rs) => rs.length), 1);

  // The metrics table over the folder (its boxes.json found by itself) holds the numbers of compare --json.
  await frame.click('#pick-folder');
  await vs.answerDialog(kdImages);
  await frame.waitForFunction(() => /boxes: boxes\.json/.test(document.getElementById('folder-name')?.textContent ?? ''), null, { timeout: 15_000 });
  await frame.click('#run-folder');
  await frame.waitForSelector('#models-table tbody tr', { timeout: 120_000 });
  const cli = JSON.parse(
    execFileSync(
      process.execPath,
      [join(repo, 'bin', 'model-lens.js'), 'compare', ...paths, kdImages, '--boxes', join(kdImages, 'boxes.json'), '--json', '--backend', 'wasm'],
      { encoding: 'utf8' },
    ),
  );
  const pct = (v) => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);
  const rows = await frame.$$eval('#models-table tbody tr', (rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
  assert.deepEqual(
    rows,
    cli.models.map((m, k) => [
      `m${k + 1} ${['teacher/model.onnx', 'student-kd-s1/model.onnx'][k]}`,
      pct(m.accuracy),
      pct(m.agreement),
      m.kl === null ? '—' : m.kl.toFixed(4),
      pct(m.pointing),
    ]),
  );
  // Sorting by accuracy (a click on its heading, again for the other direction) orders the rows by it.
  await frame.click('#models-table button[data-key="accuracy"]');
  const byAccuracy = await frame.$$eval('#models-table tbody tr th', (ths) => ths.map((t) => t.textContent));
  const expected = cli.models.map((m, k) => ({ a: m.accuracy, k })).sort((x, y) => y.a - x.a || x.k - y.k);
  assert.deepEqual(
    byAccuracy,
    expected.map(({ k }) => rows[k][0]),
  );
  await vs.shot('compare-panel');

  // Knowledge points, light settings: both models' entropy maps draw; the checkpoints beside each model give N_fg per epoch.
  await setValue(frame, 'k-steps', '15');
  await setValue(frame, 'k-samples', '4');
  await setValue(frame, 'k-images', '2');
  assert.match(await frame.$eval('#checkpoints', (e) => e.textContent), /checkpoints: .*teacher[\\/]checkpoints/);
  await frame.click('#run-knowledge');
  await frame.waitForFunction(() => ['entropy-0', 'entropy-1'].every((id) => document.getElementById(id)?.dataset.drawn === 'true'), null, {
    timeout: 300_000,
  });
  assert.equal(await frame.$eval('#nfg-box', (e) => e.hidden), false);
  assert.match(await frame.$eval('.knowledge-numbers', (e) => e.textContent), /^This image: N_fg \d+, N_bg \d+, λ_fg (\d\.\d{3}|—)Mean over 2 images: /);
  assert.match(
    await frame.$eval('#knowledge-cards .compare-card:nth-child(2) .knowledge-numbers', (e) => e.textContent),
    /D_mean \d+\.\d{3}, D_std \d+\.\d{3}, ρ \d\.\d{3}/,
  );
  await frame.$eval('#knowledge', (e) => e.scrollIntoView());
  await page.waitForTimeout(500);
  await vs.shot('compare-knowledge');
  await vs.colorTheme('Dark Modern');
  await vs.shot('compare-knowledge-dark');
  await vs.colorTheme('Light Modern');

  // A reload: the panel comes back with its maps, its table and its knowledge view.
  await vs.runCommand('Developer: Reload Window');
  await page.waitForTimeout(3000);
  frame = await vs.compareFrame(240);
  await frame.waitForFunction(
    () =>
      document.querySelectorAll('#cards canvas').length === 2 &&
      document.querySelectorAll('#models-table tbody tr').length === 2 &&
      document.getElementById('entropy-1')?.dataset.drawn === 'true',
    null,
    { timeout: 60_000 },
  );
  const restored = await canvasPixels(frame, 'overlay-1');
  const cliAgain = PNG.sync.read(readFileSync(join(out, 'circle-3.m2.overlay.png')));
  assert.equal(restored.width, cliAgain.width);
  // "Open in the model panel" opens the student on the image.
  await frame.click('#cards .compare-card:nth-child(2) .open-model');
  const model = await vs.panelFrame();
  await waitForResult(model, 'gradcam');
  assert.equal(await model.$eval('#model-name', (e) => e.textContent), 'student-kd-s1/model.onnx');
});

test('(v) Distil a Student from the palette: the run trains in its own worker (the model panel still explains), the curves panel shows its loss terms growing, a cancel keeps the checkpoint and the logs, and the checkpoint opens in the model panel', async () => {
  const page = vs.page;
  await vs.runCommand('View: Close All Editors');
  await vs.runCommand('Model Lens: Distil a Student…');
  const formFrame = async () => {
    for (let i = 0; i < 120; i++) {
      for (const f of page.frames()) if (await f.$('#pick-teacher').catch(() => null)) return f;
      await page.waitForTimeout(250);
    }
    throw new Error('the distillation form did not appear');
  };
  let form = await formFrame();
  await form.click('#pick-teacher');
  await vs.answerDialog(join(vs.workspace, 'runs', 'teacher', 'model.onnx'));
  await form.waitForFunction(() => document.getElementById('path-teacher')?.textContent === 'runs/teacher/model.onnx', null, { timeout: 15_000 });
  await form.click('#pick-data');
  await vs.answerFolderDialog(join(vs.workspace, 'kd-images'));
  await form
    .waitForFunction(() => /kd-images$/.test(document.getElementById('path-data')?.textContent ?? ''), null, { timeout: 15_000 })
    .catch(async (err) => {
      await vs.shot('distill-data-pick');
      throw new Error(`${err.message}: path-data reads "${await form.$eval('#path-data', (e) => e.textContent)}"`);
    });
  // A bad value is said at once and stops the start button.
  await setValue(form, 'epochs', '0', 'input');
  assert.match(await form.$eval('#form-errors', (e) => e.textContent), /Epochs: a whole number from 1 to 10000\./);
  await setValue(form, 'epochs', '400', 'input');
  await setValue(form, 'batch-size', '8', 'input');
  await setValue(form, 'width', '0.25', 'input');
  assert.equal(await form.$eval('#form-errors', (e) => e.textContent), '');
  await vs.shot('distill-form');
  await form.click('#start');
  // The curves panel opens on the run and grows.
  const curves = async () => {
    for (let i = 0; i < 240; i++) {
      for (const f of page.frames()) if (await f.$('#export-csv').catch(() => null)) return f;
      await page.waitForTimeout(250);
    }
    throw new Error('the curves panel did not open on the run');
  };
  const chart = await curves();
  await chart.waitForSelector('.series[data-tag="loss/kd"]', { timeout: 60_000 });
  const count = () => chart.$eval('.series[data-tag="loss/kd"]', (e) => Number(e.dataset.count));
  const first = await count();
  for (let i = 0; i < 60 && (await count()) <= first; i++) await page.waitForTimeout(500);
  assert.ok((await count()) > first, 'the loss/kd curve grows while the student trains');
  assert.deepEqual((await chart.$$eval('.series', (ss) => [...new Set(ss.map((s) => s.dataset.tag))])).filter((t) => t.startsWith('loss/')).sort(), [
    'loss/ce',
    'loss/kd',
    'loss/total',
  ]);
  await vs.shot('distill-curves');
  await vs.colorTheme('Dark Modern');
  await vs.shot('distill-dark');
  await vs.colorTheme('Light Modern');
  // While it trains, the model panel explains (the training has a worker of its own).
  const model = await vs.explain(image('triangle-1.png'), modelPath);
  assert.match(await model.$eval('#top', (e) => e.textContent), /^triangle/);
  form = await formFrame();
  assert.ok(await form.$eval('#cancel', (e) => !e.hidden), 'the training still runs');
  await form.waitForSelector('#epoch-list li', { timeout: 60_000 });
  await form.click('#cancel');
  await form.waitForFunction(
    () =>
      /^Training cancelled after \d+ epochs?: the checkpoints and logs written so far are kept\.$/.test(document.getElementById('status')?.textContent ?? ''),
    null,
    {
      timeout: 30_000,
    },
  );
  const run = join(vs.workspace, 'runs', 'distill', 'cnn-0.25-ce-kd');
  const checkpoint = join(run, 'checkpoints', 'epoch-001', 'model.json');
  assert.ok(existsSync(checkpoint), 'the first checkpoint remains');
  assert.ok(readFileSync(join(run, 'metrics.csv'), 'utf8').split('\n').length > 3, 'the logs remain');
  await vs.shot('distill-cancelled');
  // The checkpoint opens in the model panel.
  await vs.runCommand('View: Close All Editors');
  await vs.runCommand('Model Lens: Open Model…');
  await vs.answerDialog(checkpoint);
  const opened = await vs.panelFrame();
  await opened.waitForFunction(() => / parameters · input \[\?×32×32×3\]/.test(document.getElementById('model-meta')?.textContent ?? ''), null, {
    timeout: 30_000,
  });
  assert.equal(await opened.$eval('#model-name', (e) => e.textContent), 'epoch-001/model.json');
});

test('(w) right-click the demo images folder → Find Shortcuts (SpRAy): the scatter, the eigenvalues and every cluster mean draw, the clusters are those of the CLI; a thumbnail opens the model panel on its image; the panel comes back after a reload', async () => {
  const page = vs.page;
  await vs.explorerFolderMenu('images', 'Find Shortcuts (SpRAy)…');
  await vs.chooseModelFile('with which model?');
  await vs.answerDialog(join(vs.workspace, 'models', 'shapes', 'model.json'));
  const classPick = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Which class' });
  await classPick.waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.quick-input-widget input').fill('square');
  await page.keyboard.press('Enter');
  let frame = await vs.sprayFrame();
  const drawn = () =>
    frame.waitForFunction(
      () =>
        document.getElementById('scatter')?.dataset.drawn === 'true' &&
        document.getElementById('eigen')?.dataset.drawn === 'true' &&
        document.querySelectorAll('.spray-cluster').length > 0 &&
        [...document.querySelectorAll('canvas.spray-mean')].every((c) => c.dataset.drawn === 'true'),
      null,
      { timeout: 180_000 },
    );
  await drawn();
  // The panel's clusters are the CLI's (same defaults, same backend): sizes, smallest first.
  const cli = JSON.parse(
    execFileSync(
      process.execPath,
      [
        join(repo, 'bin', 'model-lens.js'),
        'spray',
        join(vs.workspace, 'models', 'shapes'),
        join(vs.workspace, 'images'),
        '--class',
        'square',
        '--json',
        '--backend',
        'wasm',
      ],
      {
        encoding: 'utf8',
      },
    ),
  );
  assert.equal(
    await frame.$eval('#summary', (e) => e.textContent),
    `26 images, class 1 (square), lrp maps: ${cli.clusters} clusters (the largest gap is before λ${cli.clusters}).`,
  );
  const titles = await frame.$$eval('.spray-cluster h3', (hs) => hs.map((h) => h.textContent.trim()));
  const bySize = [...cli.groups].sort((a, b) => a.size - b.size);
  assert.deepEqual(
    titles,
    bySize.map((g) => `Cluster ${g.cluster} · ${g.size} image${g.size === 1 ? '' : 's'}`),
  );
  assert.equal(await frame.$$eval('.spray-thumb img', (is) => is.length), 26);
  await vs.shot('spray-panel');
  await vs.colorTheme('Dark Modern');
  await page.waitForTimeout(500);
  await vs.shot('spray-panel-dark');
  await vs.colorTheme('Light Modern');

  // The theme change may leave the frame found before hidden: the visible one again.
  frame = await vs.sprayFrame();
  await frame.$eval('#cluster-list', (e) => e.scrollIntoView());
  await page.waitForTimeout(500);
  await vs.shot('spray-clusters');
  // A thumbnail opens its image in the model panel.
  const first = await frame.$eval('.spray-thumb', (b) => b.dataset.image);
  await frame.click('.spray-thumb');
  const model = await vs.panelFrame();
  await waitForResult(model, 'gradcam');
  assert.equal(await model.$eval('#model-name', (e) => e.textContent), 'shapes/model.json');
  assert.match(await model.$eval('#image-name', (e) => e.textContent), new RegExp(first.split(/[\\/]/).pop().replace('.', '\\.')));

  // A reload brings the panel back with its result.
  await vs.runCommand('Developer: Reload Window');
  await page.waitForTimeout(3000);
  frame = await vs.sprayFrame(240);
  await drawn();
  assert.deepEqual(await frame.$$eval('.spray-cluster h3', (hs) => hs.map((h) => h.textContent.trim())), titles);
});

test('(x) the model panel’s Metrics section: deletion and insertion AUC beside the random baseline, the pointing games with the boxes beside the image, the sanity check plotted — the numbers of model-lens evaluate', async () => {
  const page = vs.page;
  await vs.runCommand('View: Close All Editors');
  const frame = await vs.explain(image('square-2.png'), join(vs.workspace, 'models', 'shapes', 'model.json'));
  await frame.click('#metrics-sanity');
  await frame.click('#metrics-run');
  await frame.waitForFunction(
    () =>
      !document.getElementById('metrics-table')?.hidden &&
      document.getElementById('metrics-curves')?.dataset.drawn === 'true' &&
      document.getElementById('metrics-sanity-chart')?.dataset.drawn === 'true',
    null,
    { timeout: 180_000 },
  );
  const cli = JSON.parse(
    execFileSync(
      process.execPath,
      [
        join(repo, 'bin', 'model-lens.js'),
        'evaluate',
        join(vs.workspace, 'models', 'shapes'),
        image('square-2.png'),
        '--method',
        'gradcam',
        '--boxes',
        image('boxes.json'),
        '--sanity',
        '--json',
        '--backend',
        'wasm',
      ],
      { encoding: 'utf8' },
    ),
  );
  const m = cli.images[0].methods[0];
  const rows = await frame.$$eval('#metrics-table tbody tr', (rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
  assert.deepEqual(rows, [
    ['Deletion AUC ↓', m.deletionAuc.toFixed(3), m.randomDeletionAuc.toFixed(3)],
    ['Insertion AUC ↑', m.insertionAuc.toFixed(3), m.randomInsertionAuc.toFixed(3)],
    ['Pointing game', m.pointing ? 'hit' : 'miss', m.randomPointing.toFixed(2)],
    ['Energy in the box', m.energyPointing.toFixed(3), m.randomPointing.toFixed(3)],
  ]);
  await frame.$eval('#metrics', (e) => e.scrollIntoView());
  await page.waitForTimeout(500);
  await vs.shot('model-metrics');
});

test('(y) the pool: the status bar reads "Model Lens: wasm ×N" (N cores); occlusion in the panel is faster on the pool than with modelLens.workers set to 1', async () => {
  const cores = availableParallelism();
  // The model panel alone in the editor area: it is the editor that shows again when settings.json closes.
  await vs.runCommand('View: Close All Editors');
  let frame = await vs.explain(image('triangle-1.png'), modelPath);
  const status = (text) => vs.page.locator('.statusbar', { hasText: text }).waitFor({ timeout: 30_000 });
  await status(`Model Lens: wasm ×${cores}`);
  await vs.shot('pool-status');
  /** Method and parameters set in one step (one job), then the wall time until the panel shows the result. */
  const run = async (method, params = {}) => {
    const previous = await timing(frame);
    const t0 = Date.now();
    await setMethod(frame, method, params);
    await waitForResult(frame, method, previous, 180_000);
    return Date.now() - t0;
  };
  // Every window of the 64 × 64 image at stride 1: 3,969 forward passes. Each side starts its pool and
  // runs the occlusion once untimed (every worker sets up its kernels for the batch shapes), then once
  // timed; three rounds, the sides alternating (the quickest of each side compared: the machine is shared).
  const occlusion = { window: 2, stride: 1 };
  const timed = async (workers) => {
    await vs.setting('modelLens.workers', workers);
    // settings.json opened over the panel hid it: its webview comes back in a new frame.
    frame = await vs.panelFrame();
    // The pool starts again (the panel explains once more on a changed setting): the status bar says its size.
    await status(`Model Lens: wasm ×${workers}`);
    await run('gradcam');
    await run('occlusion', occlusion);
    await run('gradcam');
    return run('occlusion', occlusion);
  };
  const times = { pool: [], one: [] };
  for (let round = 0; round < 3; round++) {
    times.pool.push(await timed(cores));
    times.one.push(await timed(1));
  }
  await vs.setting('modelLens.workers', undefined);
  await status(`Model Lens: wasm ×${cores}`);
  const best = (t) => Math.min(...t);
  console.log(`occlusion in the panel: ${times.pool.join(', ')} ms on ${cores} workers; ${times.one.join(', ')} ms on 1`);
  if (cores > 1) assert.ok(best(times.pool) < best(times.one), `the pool took ${best(times.pool)} ms, one worker ${best(times.one)} ms`);
});
