// End-to-end: the training curves in a real VS Code — inline values on the demo training script,
// the curves panel beside it, and both following a log that grows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { VsCode, canvasPixels, changedShare, setValue } from './harness.mjs';

const repo = join(import.meta.dirname, '..', '..');
/** Writes TensorBoard event files with the project's writer (TypeScript, run through tsx). */
function writeEvents(file, scalars) {
  const make = `const { fileVersionRecord, scalarEventRecord } = require('./src/core/logs/event-writer.ts');
    const recs = [fileVersionRecord(${scalars[0]?.wall ?? 0}), ...${JSON.stringify(scalars)}.map((p) => scalarEventRecord(p.step, p.wall, p.values))];
    require('node:fs').writeFileSync(${JSON.stringify(file)}, Buffer.concat(recs.map((r) => Buffer.from(r))));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', make], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}
/** Keras's TensorBoard callback: one run folder, train/ and validation/ event files, epoch_* per epoch, a minute apart. */
const KERAS_RUN = 'other-project/logs/fit/20261130-101500';

/** @type {VsCode} */
let vs;
let script;

/** Two unrelated runs whose tag names overlap the demo's (another project's val_loss, another's loss/kd). */
function unrelatedRuns(ws) {
  mkdirSync(join(ws, 'other-project', 'lightning_logs', 'version_0'), { recursive: true });
  writeFileSync(join(ws, 'other-project', 'lightning_logs', 'version_0', 'metrics.csv'), 'epoch,step,val_loss,loss/total\n0,799,4430,9000\n');
  writeFileSync(join(ws, 'other-project', 'lightning_logs', 'version_0', 'hparams.yaml'), 'lr: 0.01\nbatch_size: 32\nmodel:\n  name: resnet18\n');
  mkdirSync(join(ws, 'other-project', 'lightning_logs', 'version_1'), { recursive: true });
  writeFileSync(join(ws, 'other-project', 'lightning_logs', 'version_1', 'metrics.csv'), 'epoch,step,val_loss,loss/total\n0,799,3100,8000\n1,1599,2900,7000\n');
  writeFileSync(join(ws, 'other-project', 'lightning_logs', 'version_1', 'hparams.yaml'), 'lr: 0.001\nbatch_size: 32\nmodel:\n  name: resnet34\n');
  mkdirSync(join(ws, 'elsewhere', 'runs', 'exp'), { recursive: true });
  writeFileSync(join(ws, 'elsewhere', 'runs', 'exp', 'train.jsonl'), '{"step": 50, "val_acc": 0.5, "loss/kd": 7}\n');
  // A run that has logged nothing yet (only its CSV header).
  mkdirSync(join(ws, 'elsewhere', 'runs', 'starting'), { recursive: true });
  writeFileSync(join(ws, 'elsewhere', 'runs', 'starting', 'metrics.csv'), 'step,loss\n');
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  for (const [side, offset] of [
    ['train', 0],
    ['validation', 0.3],
  ]) {
    mkdirSync(join(ws, KERAS_RUN, side), { recursive: true });
    writeEvents(
      join(ws, KERAS_RUN, side, 'events.out.tfevents.1764497700.host.1.v2'),
      Array.from({ length: 6 }, (_, e) => ({
        step: e,
        wall: t0 + 60 * e,
        values: { epoch_loss: 1 / (e + 1) + offset, epoch_accuracy: 0.5 + e / 20 - offset / 3 },
      })),
    );
  }
}

before(async () => {
  vs = await VsCode.start({ populate: unrelatedRuns });
  script = readFileSync(join(vs.workspace, 'train_kd.py'), 'utf8').split('\n');
});

after(async () => {
  await vs?.stop();
});

/**
 * Opens train_kd.py by quick open and waits for its tab; retried, as a click can land while the result
 * list is still being replaced (seen once on a busy machine).
 */
async function openScript() {
  for (let attempt = 1; ; attempt++) {
    await vs.page.keyboard.press('Escape');
    await vs.page.locator('.part.sidebar .composite.title').click();
    await vs.page.keyboard.press('Control+P');
    await vs.page.locator('.quick-input-widget input').fill('train_kd.py');
    await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'train_kd.py' }).first().click();
    try {
      await vs.page.locator('.tab.active', { hasText: 'train_kd.py' }).first().waitFor({ timeout: 10_000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** 1-based line of the script holding `text`. */
const lineOf = (text) => script.findIndex((l) => l.includes(text)) + 1;

/** Every inline value the editor shows: line number → the ::after content of a decoration on it. */
async function inlineValues() {
  return vs.page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return {};
    const numbers = new Map(
      [...editor.querySelectorAll('.margin-view-overlays > div')].map((d) => [d.style.top, d.querySelector('.line-numbers')?.textContent?.trim()]),
    );
    const out = {};
    for (const line of editor.querySelectorAll('.view-lines .view-line')) {
      for (const span of line.querySelectorAll('span')) {
        const c = getComputedStyle(span, '::after').content;
        if (c && c !== 'none' && c !== 'normal') out[numbers.get(line.style.top)] = JSON.parse(c);
      }
    }
    return out;
  });
}

async function goToLine(n) {
  await vs.page.keyboard.press('Control+G');
  const input = vs.page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${n}`);
  await vs.page.keyboard.press('Enter');
  await vs.page.waitForTimeout(300);
}

async function curvesFrame(tries = 120) {
  for (let i = 0; i < tries; i++) {
    for (const f of vs.page.frames()) if (await f.$('#export-csv').catch(() => null)) return f;
    await vs.page.waitForTimeout(250);
  }
  throw new Error('the curves panel did not appear');
}

/** The latest logged record of a JSON lines file. */
const lastRecord = (file) => JSON.parse(readFileSync(file, 'utf8').trim().split('\n').pop());

test('(m) inline values on the demo training script, the curves panel beside it, both updating when a log grows', async () => {
  const page = vs.page;
  const kdLog = join(vs.workspace, 'runs', 'student-kd-s1', 'train.jsonl');
  const last = lastRecord(kdLog);
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('train_kd.py');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'train_kd.py' }).first().click();
  const kdLine = lineOf('"loss/kd": kd_term.item()');
  const totalLine = lineOf('"loss/total": total.item()');
  const accLine = lineOf('"val_acc": round(val_acc, 6)');
  await goToLine(kdLine);
  // loss/kd is logged by the distilled student only: its latest value, trend and step, on its line.
  const fmt = (v) => String(Number(v.toPrecision(4)));
  const kdText = (v, trend, step) => `loss/kd ${fmt(v)} ${trend} @${step}`;
  let values;
  for (let i = 0; i < 120; i++) {
    values = await inlineValues();
    if (values[kdLine] && values[totalLine] && values[accLine]) break;
    await page.waitForTimeout(500);
  }
  // The script's runs are the demo's seven (its log folder, runs/): one of them decorates — the most
  // recently updated — and every value names its run. The unrelated runs' val_loss 4430 and loss/kd 7
  // never appear.
  const seeds = [1, 2, 3];
  const kdRuns = seeds.map((s) => `student-kd-s${s}`);
  const runs = ['teacher', ...kdRuns, ...seeds.map((s) => `student-scratch-s${s}`)];
  const trendOf = (prev, v) => (v < prev ? '↓' : v > prev ? '↑' : '→');
  const jsonl = (r) =>
    readFileSync(join(vs.workspace, 'runs', r, 'train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  const epochs = (r) =>
    readFileSync(join(vs.workspace, 'runs', r, 'epochs.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
  const totalText = (r) => {
    const [p, q] = jsonl(r).slice(-2);
    return `loss/total ${fmt(q['loss/total'])} ${trendOf(p['loss/total'], q['loss/total'])} @${q.step} · ${r}`;
  };
  const accText = (r) => {
    const [p, q] = epochs(r).slice(-2);
    return `val_acc ${fmt(q[2])} ${trendOf(p[2], q[2])} @${q[0]} · ${r}`;
  };
  const decorating = runs.find((r) => values[totalLine] === totalText(r));
  assert.ok(decorating, `${values[totalLine]} is the latest loss/total of one of the demo's runs`);
  assert.equal(values[accLine], accText(decorating), 'the same run decorates every line it logs');
  // loss/kd is logged by the distilled students only: the latest value of one of them, named, whichever run decorates.
  assert.ok(
    kdRuns.some((r) => {
      const q = lastRecord(join(vs.workspace, 'runs', r, 'train.jsonl'));
      return values[kdLine] === `${kdText(q['loss/kd'], values[kdLine]?.split(' ')[2], q.step)} · ${r}`;
    }),
    `${values[kdLine]} is the latest loss/kd of a distilled student`,
  );
  assert.ok(!JSON.stringify(values).includes('4430') && !JSON.stringify(values).includes('loss/kd 7 '), JSON.stringify(values));
  // Nothing on lines that log nothing.
  for (const line of Object.keys(values))
    assert.ok(
      [kdLine, totalLine, lineOf('"loss/ce": ce_term.item()'), lineOf('"val_loss": round'), accLine, lineOf('print(f"{name} epoch')].includes(Number(line)),
      `line ${line}: ${values[line]}`,
    );
  await vs.shot('curves-inline');

  // The panel, beside the script, with the script's runs only.
  await vs.runCommand('Model Lens: Show Training Curves');
  const frame = await curvesFrame();
  await frame.waitForSelector('.series[data-tag="loss/kd"]', { timeout: 30_000 });
  assert.equal(await page.locator('.editor-group-container').count(), 2, 'the panel opened in a second editor group, beside the script');
  assert.deepEqual(
    (await frame.$$eval('.run-chip', (cs) => cs.map((c) => c.textContent.trim().split(' ')[0]))).sort(),
    [...runs].sort(),
    "the script's runs only",
  );
  const kdRun = join(vs.workspace, 'runs', 'student-kd-s1');
  const series = `.series[data-run="${kdRun}"][data-tag="loss/kd"]`;
  assert.equal(await frame.$eval(series, (e) => e.dataset.count), String(readFileSync(kdLog, 'utf8').trim().split('\n').length));
  // One chart per tag with the runs overlaid: loss/total's chart holds the total of every demo run that logs one.
  const totalRuns = runs.filter((r) => jsonl(r).some((rec) => 'loss/total' in rec)).map((r) => join(vs.workspace, 'runs', r));
  assert.ok(totalRuns.length >= 2, 'several demo runs log loss/total');
  assert.deepEqual(
    (await frame.$$eval('.chart-card[data-chart="chart-loss_total"] .series', (bs) => bs.map((b) => `${b.dataset.run}|${b.dataset.tag}`))).sort(),
    totalRuns.map((r) => `${r}|loss/total`).sort(),
  );
  const cards = await frame.$$eval('.chart-card:not(.stacked)', (cs) => cs.map((c) => c.dataset.tags));
  assert.ok(
    cards.every((t) => !t.includes('\n')),
    `a chart per tag (the demo has no train/validation twins): ${JSON.stringify(cards)}`,
  );
  assert.deepEqual(
    (await frame.$$eval('.chart-section', (ss) => ss.map((s) => s.dataset.section))).sort(),
    ['loss', 'val_acc', 'val_loss'],
    'sections by prefix',
  );
  // The run legend: one colour per run, the same on every chart.
  const colours = await frame.$$eval('.run-chip .swatch', (ss) => ss.map((s) => s.style.background));
  assert.equal(new Set(colours).size, runs.length);
  const chartBefore = await canvasPixels(frame, 'chart-loss_kd');
  await page.waitForTimeout(500);
  await vs.shot('curves-panel');

  // Training goes on: two more records appended to the student's log.
  appendFileSync(kdLog, JSON.stringify({ step: last.step + 10, 'loss/total': 0.5, 'loss/ce': 0.1, 'loss/kd': 0.4 }) + '\n');
  appendFileSync(kdLog, JSON.stringify({ step: last.step + 20, 'loss/total': 0.3, 'loss/ce': 0.05, 'loss/kd': 0.25 }) + '\n');
  const t0 = Date.now();
  await frame.waitForFunction((sel) => document.querySelector(sel)?.dataset.last === '0.25', series, { timeout: 10_000 });
  const arrivedMs = Date.now() - t0;
  // The chart redraws on the next animation frame.
  let changed = 0;
  for (let i = 0; i < 40 && changed <= 0.001; i++) {
    changed = changedShare(chartBefore, await canvasPixels(frame, 'chart-loss_kd'));
    if (changed <= 0.001) await page.waitForTimeout(50);
  }
  assert.ok(changed > 0.001, 'the loss chart was redrawn with the new points');
  assert.equal(await frame.$eval(series, (e) => e.dataset.count), String(readFileSync(kdLog, 'utf8').trim().split('\n').length));
  for (let i = 0; i < 40; i++) {
    values = await inlineValues();
    if (values[kdLine] === `${kdText(0.25, '↓', last.step + 20)} · student-kd-s1`) break;
    await page.waitForTimeout(250);
  }
  assert.equal(values[kdLine], `${kdText(0.25, '↓', last.step + 20)} · student-kd-s1`);
  // The student's run is now the most recently updated one: it decorates, the total line shows its value.
  assert.equal(values[totalLine], `loss/total 0.3 ↓ @${last.step + 20} · student-kd-s1`);
  console.log(`new points in the panel ${arrivedMs} ms after the append (polling every 500 ms)`);
  await vs.shot('curves-live');
});

test('(n) a NaN logged is shown as NaN inline and in the legend; the CodeLens opens the panel at its tag; the distillation view stacks the terms', async () => {
  const page = vs.page;
  const kdLog = join(vs.workspace, 'runs', 'student-kd-s1', 'train.jsonl');
  const last = lastRecord(kdLog);
  // Python's json.dumps writes NaN bare.
  appendFileSync(kdLog, `{"step": ${last.step + 10}, "loss/total": NaN, "loss/ce": 0.05, "loss/kd": NaN}\n`);
  const kdLine = lineOf('"loss/kd": kd_term.item()');
  let values;
  for (let i = 0; i < 40; i++) {
    values = await inlineValues();
    if (values[kdLine]?.startsWith('loss/kd NaN')) break;
    await page.waitForTimeout(250);
  }
  assert.equal(values[kdLine], `loss/kd NaN → @${last.step + 10} · student-kd-s1`);
  const frame = await curvesFrame(8).catch(async () => {
    await vs.runCommand('Model Lens: Show Training Curves');
    return curvesFrame();
  });
  const kdRun = join(vs.workspace, 'runs', 'student-kd-s1');
  await frame.waitForFunction((sel) => document.querySelector(sel)?.dataset.last === 'NaN', `.series[data-run="${kdRun}"][data-tag="loss/kd"]`, {
    timeout: 10_000,
  });

  // The CodeLens above the loss/kd line: the panel scrolls to that tag and marks its series.
  await goToLine(kdLine);
  const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Show curve' });
  await lens.first().waitFor({ timeout: 15_000 });
  const lensTexts = await page.locator('.codelens-decoration').allTextContents();
  assert.ok(lensTexts.length >= 3, `CodeLenses: ${JSON.stringify(lensTexts)}`);
  // The lens of the loss/kd line sits just above it: the lowest lens above that line's number.
  const lineBox = await page
    .locator('.editor-instance .margin-view-overlays .line-numbers', { hasText: new RegExp(`^\\s*${kdLine}\\s*$`) })
    .first()
    .boundingBox();
  assert.ok(lineBox, `line ${kdLine} is on screen`);
  let above;
  for (let i = 0; i < 20 && !above; i++) {
    const boxes = await Promise.all((await lens.all()).map(async (l) => ({ l, box: await l.boundingBox() })));
    above = boxes.filter((b) => b.box && b.box.y < lineBox.y).sort((a, b) => b.box.y - a.box.y)[0];
    if (!above) await page.waitForTimeout(250);
  }
  assert.ok(above, 'a Show curve lens above the loss/kd line');
  await above.l.click();
  await frame.waitForSelector('.series.focus[data-tag="loss/kd"]', { timeout: 10_000 });
  // The lens names its script: the panel shows the script's runs only, not the unrelated run that logs loss/kd too.
  await frame.waitForFunction(() => [...document.querySelectorAll('.run-chip')].every((c) => !c.textContent.startsWith('exp ')), null, { timeout: 10_000 });
  assert.ok((await frame.$$eval('.run-chip', (cs) => cs.map((c) => c.textContent))).some((t) => t.startsWith('student-kd-s1 ')));

  // The distillation view: the loss section opens with a stacked chart of the total and the terms it adds
  // up to — drawn for the runs whose terms sum to their total (both students), not the teacher's lone loss.
  const stackCard = '.chart-section[data-section="loss"] .chart-grid > .chart-card:first-child';
  assert.equal(await frame.$eval(stackCard, (c) => c.dataset.chart), 'stack-loss');
  assert.match(await frame.$eval(`${stackCard} h3`, (h) => h.textContent), /^stacked loss\/total = loss\/ce \+ loss\/kd$/);
  assert.ok((await frame.$$eval(`${stackCard} .series`, (bs) => bs.map((b) => b.dataset.tag))).includes('loss/kd'), 'the stacked chart draws the terms');
  // Its legend names only what it draws: the students whose terms add up, not the runs with a lone loss/ce.
  assert.deepEqual(
    [...new Set(await frame.$$eval(`${stackCard} .series`, (bs) => bs.map((b) => b.dataset.run)))].sort(),
    [1, 2, 3].map((s) => join(vs.workspace, 'runs', `student-kd-s${s}`)),
  );
  const stacked = await canvasPixels(frame, 'stack-loss');
  const plain = await canvasPixels(frame, 'chart-loss_total');
  assert.ok(changedShare(plain, stacked) > 0.05, 'filled terms: the stacked chart is not the total alone');
  await frame.$eval('.chart-section[data-section="loss"]', (e) => e.scrollIntoView());
  await page.waitForTimeout(500);
  await vs.shot('curves-stacked');
  await vs.colorTheme('Dark Modern');
  await vs.shot('curves-dark');
  await vs.colorTheme('Light Modern');
});

test("(o) a right-click on a log file shows its run alone: the folder, all its files' tags", async () => {
  await vs.explorerMenu('runs/teacher/epochs.csv', 'Show Training Curves');
  const frame = await curvesFrame();
  await frame.waitForFunction(
    () => document.querySelectorAll('.run-chip').length === 1 && document.querySelector('.run-chip')?.textContent?.startsWith('teacher '),
    null,
    { timeout: 15_000 },
  );
  assert.deepEqual((await frame.$$eval('.chart-section', (ss) => ss.map((s) => s.dataset.section))).sort(), ['loss', 'val_acc', 'val_loss']);
  // Per-epoch series (the epochs.csv) are drawn on an epoch axis, the per-step ones on a step axis.
  assert.equal(await frame.$eval('#chart-val_acc', (c) => c.dataset.xTitle), 'epoch');
  assert.equal(await frame.$eval('#chart-loss_total', (c) => c.dataset.xTitle), 'step');
  assert.equal(await frame.$eval(`.series[data-run="${join(vs.workspace, 'runs', 'teacher')}"][data-tag="val_acc"]`, (e) => e.dataset.count), '6');
  // The Training Runs view lists twelve runs — the demo's seven folders, the four unrelated ones (the
  // Keras run's train/ and validation/ folders are one) and one that has logged nothing yet (greyed,
  // saying so) — not one per file (the folders view collapsed).
  const folders = vs.page.locator('.pane-header[aria-expanded="true"]', { hasText: /^\s*workspace/i });
  if (await folders.count()) await folders.first().click();
  const header = vs.page.locator('.pane-header', { hasText: 'Training Runs' });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  const row = vs.page.locator('.pane-body .monaco-list-row', { hasText: 'teacher' });
  await row.first().waitFor({ timeout: 15_000 });
  assert.equal(await row.first().getAttribute('aria-setsize'), '12', 'twelve runs in the view');
  await vs.page.locator('.pane-body .monaco-list-row', { hasText: 'no scalars yet' }).first().waitFor({ timeout: 15_000 });
  await vs.shot('runs-view');
});

test("(q) charts as TensorBoard draws them: a Keras run's train and validation on one per-epoch chart, wall-time ticks that differ, a tag filter that stays with its panel", async () => {
  await vs.explorerMenu(`${KERAS_RUN}/train/events.out.tfevents.1764497700.host.1.v2`, 'Show Training Curves');
  let frame = await curvesFrame();
  // One run: the folder holding train/ and validation/, its tags prefixed with the sub-folder.
  await frame.waitForSelector('#chart-train_epoch_loss_validation_epoch_loss', { timeout: 15_000 });
  assert.equal(await frame.$$eval('.run-chip', (cs) => cs.length), 1);
  assert.deepEqual(
    await frame.$$eval('.chart-card', (cs) => cs.map((c) => c.dataset.tags)),
    ['train/epoch_accuracy\nvalidation/epoch_accuracy', 'train/epoch_loss\nvalidation/epoch_loss'],
    'each metric with its validation twin',
  );
  assert.equal(await frame.$eval('#chart-train_epoch_loss_validation_epoch_loss', (c) => c.dataset.xTitle), 'epoch');
  assert.deepEqual(await frame.$eval('#chart-train_epoch_loss_validation_epoch_loss', (c) => JSON.parse(c.dataset.xTicks)).then((t) => t.slice(0, 2)), [
    '0',
    '1',
  ]);
  // The pairing toggle: four charts, one per tag.
  await frame.click('#pair');
  await frame.waitForFunction(() => document.querySelectorAll('.chart-card').length === 4, null, { timeout: 10_000 });
  await frame.click('#pair');
  await frame.waitForFunction(() => document.querySelectorAll('.chart-card').length === 2, null, { timeout: 10_000 });

  // Wall time: the events' times, an hour ago and a minute apart — ticks that differ, not "12:00:00 AM".
  await setValue(frame, 'x-axis', 'wall');
  await frame.waitForFunction(() => document.querySelector('#chart-train_epoch_loss_validation_epoch_loss')?.dataset.xTitle === 'wall time', null, {
    timeout: 10_000,
  });
  const ticks = await frame.$eval('#chart-train_epoch_loss_validation_epoch_loss', (c) => JSON.parse(c.dataset.xTicks));
  assert.ok(ticks.length >= 3 && new Set(ticks).size === ticks.length, `distinct wall-time ticks: ${JSON.stringify(ticks)}`);
  assert.ok(!ticks.includes('12:00:00 AM'), JSON.stringify(ticks));
  assert.equal(await frame.$('#no-wall-time'), null, 'event files carry wall times');
  await vs.page.waitForTimeout(300);
  await vs.shot('curves-keras-wall');
  await setValue(frame, 'x-axis', 'step');

  // A tag filter in this panel...
  await setValue(frame, 'filter', 'accuracy', 'input');
  await frame.waitForFunction(() => document.querySelectorAll('.chart-card').length === 1, null, { timeout: 10_000 });
  // ...does not carry over when the panel is opened for other runs (the training script's). The webview
  // keeps keys to itself: focus the workbench (the side bar's title) before quick open.
  await openScript();
  // The script's runs are known once its lines are decorated.
  for (let i = 0; i < 60 && Object.keys(await inlineValues()).length === 0; i++) await vs.page.waitForTimeout(250);
  await vs.runCommand('Model Lens: Show Training Curves');
  frame = await curvesFrame();
  await frame.waitForSelector('.series[data-tag="loss/kd"]', { timeout: 15_000 });
  assert.equal(await frame.$eval('#filter', (f) => f.value), '', 'the filter field is empty');
  assert.equal(await frame.$('#filtered-runs'), null);
  assert.ok((await frame.$$eval('.chart-card', (cs) => cs.length)) >= 5, "the script's charts, unfiltered");
});

test('(r) damaged logs say so on their run chips: a stray CSV quote costs one row, an event record cut short is incomplete', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const dir = join(vs.workspace, 'runs', 'damaged');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'metrics.csv'), 'epoch,step,train_loss\n0,0,1.0\n0,1,"0.9\n0,2,0.8\n1,3,0.7\n');
  // An event file whose writer died mid-record: three good records, then part of a fourth.
  const repo = join(import.meta.dirname, '..', '..');
  const make = `const { fileVersionRecord, scalarEventRecord } = require('./src/core/logs/event-writer.ts');
    const recs = [fileVersionRecord(1), scalarEventRecord(1, 2, { loss: 1 }), scalarEventRecord(2, 3, { loss: 0.5 })].map((r) => Buffer.from(r));
    const last = Buffer.from(scalarEventRecord(3, 4, { loss: 0.25 }));
    require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'events.out.tfevents.1.host'))}, Buffer.concat([...recs, last.subarray(0, last.length - 6)]));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', make], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // (o) collapsed the folders view to make room for the runs view: open it again.
  const folders = vs.page.locator('.pane-header[aria-expanded="false"]', { hasText: /^\s*workspace/i });
  if (await folders.count()) await folders.first().click();
  await vs.explorerMenu('runs/damaged/metrics.csv', 'Show Training Curves');
  let frame = await curvesFrame();
  // One run, the folder: the CSV and the event file together.
  await frame.waitForFunction(() => document.querySelector('.run-chip')?.textContent?.startsWith('damaged '), null, { timeout: 15_000 });
  assert.match(await frame.$eval('.run-chip', (c) => c.textContent), /⚠ 1 corrupt skipped/);
  assert.equal(await frame.$eval('.series[data-tag="train_loss"]', (e) => e.dataset.count), '3');
  await vs.explorerMenu('runs/damaged/events.out.tfevents.1.host', 'Show Training Curves');
  frame = await curvesFrame();
  // The cut record is reported once the file has been quiet for 2 s.
  await frame.waitForFunction(() => document.querySelector('.run-chip')?.textContent?.includes('1 incomplete'), null, { timeout: 20_000 });
  await vs.shot('curves-damaged');
  await vs.colorTheme('Dark Modern');
  await vs.shot('curves-damaged-dark');
  await vs.colorTheme('Light Modern');
});

test('(s) HParams: two Lightning runs ticked in the Training Runs view, their hyper-parameters and final metrics in a sortable table', async () => {
  const page = vs.page;
  await vs.runCommand('View: Close All Editors');
  const header = page.locator('.pane-header', { hasText: 'Training Runs' });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  for (const name of ['version_0', 'version_1']) {
    const row = page.locator('.pane-body .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.locator('.custom-view-tree-node-item-checkbox, .monaco-checkbox').first().click();
  }
  await vs.runCommand('Model Lens: Show Training Curves');
  const frame = await curvesFrame();
  await frame.waitForSelector('#hparams-table tbody tr:nth-child(2)', { timeout: 15_000 });
  // The hyper-parameters that differ (batch_size is the same in both), then the final metrics.
  const heads = await frame.$$eval('#hparams-table thead th', (ths) => ths.map((t) => t.textContent.trim()));
  assert.deepEqual(heads, ['Run', 'lr', 'model.name', 'val_loss', 'loss/total']);
  const rows = () => frame.$$eval('#hparams-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual((await rows()).map((r) => r.slice(1)).sort(), [
    ['0.001', 'resnet34', '2900', '7000'],
    ['0.01', 'resnet18', '4430', '9000'],
  ]);
  // Sorted by lr, ascending then descending.
  await frame.click('#hparams-table thead th:nth-child(2) button');
  assert.deepEqual(
    (await rows()).map((r) => r[1]),
    ['0.001', '0.01'],
  );
  assert.equal(await frame.$eval('#hparams-table thead th:nth-child(2)', (t) => t.getAttribute('aria-sort')), 'ascending');
  await frame.click('#hparams-table thead th:nth-child(2) button');
  assert.deepEqual(
    (await rows()).map((r) => r[1]),
    ['0.01', '0.001'],
  );
  // The rest on request.
  await frame.click('#hparams-all');
  await frame.waitForFunction(() => document.querySelectorAll('#hparams-table thead th').length === 6, null, { timeout: 5000 });
  await page.waitForTimeout(300);
  await vs.shot('curves-hparams');
});
