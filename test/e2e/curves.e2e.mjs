// End-to-end: the training curves in a real VS Code — inline values on the demo training script,
// the curves panel beside it, and both following a log that grows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VsCode, canvasPixels, changedShare } from './harness.mjs';

/** @type {VsCode} */
let vs;
let script;

before(async () => {
  vs = await VsCode.start();
  script = readFileSync(join(vs.workspace, 'train_kd.py'), 'utf8').split('\n');
});

after(async () => {
  await vs?.stop();
});

/** 1-based line of the script holding `text`. */
const lineOf = (text) => script.findIndex((l) => l.includes(text)) + 1;

/** Every inline value the editor shows: line number → the ::after content of a decoration on it. */
async function inlineValues() {
  return vs.page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return {};
    const numbers = new Map([...editor.querySelectorAll('.margin-view-overlays > div')].map((d) => [d.style.top, d.querySelector('.line-numbers')?.textContent?.trim()]));
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
  const kdLog = join(vs.workspace, 'runs', 'student-kd', 'train.jsonl');
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
    if (values[kdLine]) break;
    await page.waitForTimeout(500);
  }
  assert.match(values[kdLine] ?? '', new RegExp(`^loss/kd ${fmt(last['loss/kd']).replace('.', '\\.')} [↓↑→] @${last.step}$`), JSON.stringify(values));
  assert.match(values[totalLine] ?? '', /^loss\/total \d+(\.\d+)? [↓↑→] @\d+$/);
  assert.match(values[accLine] ?? '', /^val_acc 0\.\d+ [↓↑→] @7$/);
  // Nothing on lines that log nothing.
  for (const line of Object.keys(values)) assert.ok([kdLine, totalLine, lineOf('"loss/ce": ce_term.item()'), lineOf('"val_loss": round'), accLine, lineOf('print(f"{name} epoch')].includes(Number(line)), `line ${line}: ${values[line]}`);
  await vs.shot('curves-inline');

  // The panel, beside the script, with every run that logs the script's tags.
  await vs.runCommand('Model Lens: Show Training Curves');
  const frame = await curvesFrame();
  await frame.waitForSelector('.series[data-tag="loss/kd"]', { timeout: 30_000 });
  assert.equal(await page.locator('.editor-group-container').count(), 2, 'the panel opened in a second editor group, beside the script');
  const kdRun = join(vs.workspace, 'runs', 'student-kd', 'train.jsonl');
  const series = `.series[data-run="${kdRun}"][data-tag="loss/kd"]`;
  assert.equal(await frame.$eval(series, (e) => e.dataset.count), String(readFileSync(kdLog, 'utf8').trim().split('\n').length));
  const chartBefore = await canvasPixels(frame, 'chart-loss');
  await page.waitForTimeout(500);
  await vs.shot('curves-panel');

  // Training goes on: two more records appended to the student's log.
  appendFileSync(kdLog, JSON.stringify({ step: last.step + 10, 'loss/total': 0.5, 'loss/ce': 0.1, 'loss/kd': 0.4 }) + '\n');
  appendFileSync(kdLog, JSON.stringify({ step: last.step + 20, 'loss/total': 0.3, 'loss/ce': 0.05, 'loss/kd': 0.25 }) + '\n');
  const t0 = Date.now();
  await frame.waitForFunction((sel) => document.querySelector(sel)?.dataset.last === '0.25', series, { timeout: 10_000 });
  const chartMs = Date.now() - t0;
  const chartAfter = await canvasPixels(frame, 'chart-loss');
  assert.ok(changedShare(chartBefore, chartAfter) > 0.001, 'the loss chart was redrawn with the new points');
  assert.equal(await frame.$eval(series, (e) => e.dataset.count), String(readFileSync(kdLog, 'utf8').trim().split('\n').length));
  for (let i = 0; i < 40; i++) {
    values = await inlineValues();
    if (values[kdLine] === kdText(0.25, '↓', last.step + 20)) break;
    await page.waitForTimeout(250);
  }
  assert.equal(values[kdLine], kdText(0.25, '↓', last.step + 20));
  // The student's run is now the most recently updated one: the total line shows its value.
  assert.equal(values[totalLine], `loss/total 0.3 ↓ @${last.step + 20}`);
  console.log(`new points in the chart ${chartMs} ms after the append`);
  await vs.shot('curves-live');
});
