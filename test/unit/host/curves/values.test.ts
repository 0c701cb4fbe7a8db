import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Run } from '../../../../src/core/logs/run';
import { decoratingRun, hoverMarkdown, latestValue, lineText } from '../../../../src/host/curves/values';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-lens-values-'));

async function csvRun(name: string, text: string): Promise<Run> {
  const file = path.join(dir, name, 'metrics.csv');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const run = new Run(path.dirname(file));
  await run.update({ final: true });
  return run;
}

test('latestValue: the last point of a run that logs the tag, with its step and the trend from the point before', async () => {
  const falling = await csvRun('falling', 'step,loss,acc\n1,0.5,0.1\n2,0.25,0.1\n');
  const rising = await csvRun('rising', 'step,loss\n10,1\n20,1.5\n');
  const flat = await csvRun('flat', 'step,acc\n1,0.1\n2,0.1\n');
  assert.deepEqual({ ...latestValue([falling], 'loss'), run: undefined }, { tag: 'loss', run: undefined, value: 0.25, step: 2, trend: '↓' });
  assert.equal(latestValue([rising], 'loss')?.trend, '↑');
  assert.equal(latestValue([flat], 'acc')?.trend, '→');
  assert.equal(latestValue([], 'loss'), undefined);
  assert.equal(latestValue([flat], 'loss'), undefined, 'a run without the tag shows nothing');
});

test('lineText: tag, value to four significant digits, trend and step, terms separated by a dot', async () => {
  const run = await csvRun('line', 'step,loss/kd,loss/ce\n499,0.40001,0.05\n500,0.362349,0.04\n');
  const values = ['loss/kd', 'loss/ce'].map((t) => latestValue([run], t)!);
  assert.equal(lineText(values), 'loss/kd 0.3623 ↓ @500  ·  loss/ce 0.04 ↓ @500');
});

test('hoverMarkdown: one row per run holding the tag (latest, sparkline, finite min and max) and a link to the curve', async () => {
  const a = await csvRun('a', 'step,loss\n1,4\n2,NaN\n3,2\n');
  const b = await csvRun('b', 'step,other\n1,1\n');
  const md = hoverMarkdown([a, b], ['loss']);
  const rows = md.split('\n').filter((l) => l.startsWith('| '));
  assert.equal(rows.length, 2, 'the header and the one run that logs loss');
  assert.match(rows[1], /^\| a \| 2 @3 \| `.+` \| 2 \| 4 \|$/);
  assert.ok(md.startsWith('**loss**\n\n'));
  assert.ok(md.includes(`[Show curve](command:modelLens.showCurves?${encodeURIComponent(JSON.stringify([{ tag: 'loss' }]))})`));
  const fromScript = hoverMarkdown([a], ['loss'], '/w/train.py');
  assert.ok(fromScript.includes(encodeURIComponent(JSON.stringify([{ tag: 'loss', script: '/w/train.py' }]))), 'the link names the script');
});

test('one run decorates: the most recently updated; a tag it lacks comes from another run, and several runs name theirs', async () => {
  const older = await csvRun('older', 'step,loss,acc\n1,0.5,0.9\n');
  await new Promise((r) => setTimeout(r, 20));
  const newer = await csvRun('newer', 'step,loss\n1,0.25\n');
  assert.equal(decoratingRun([older, newer]), newer);
  const loss = latestValue([older, newer], 'loss', newer)!;
  const acc = latestValue([older, newer], 'acc', newer)!;
  assert.equal(loss.run, newer);
  assert.equal(acc.run, older, "acc is not in the decorating run: the other run's value");
  assert.equal(lineText([loss, acc], true), `loss 0.25 → @1 · ${newer.name}  ·  acc 0.9 → @1 · ${older.name}`);
  assert.equal(lineText([loss]), 'loss 0.25 → @1', 'one run: no name');
  // The setting modelLens.curves.decoratingRun: a run by name or folder; one the script does not write is ignored.
  assert.equal(decoratingRun([older, newer], older.name), older);
  assert.equal(decoratingRun([older, newer], `${older.path}/`), older);
  assert.equal(decoratingRun([older, newer], 'someone-else'), newer);
  assert.equal(decoratingRun([older, newer], '  '), newer);
});
