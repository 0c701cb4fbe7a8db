import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { attributeRuns, namedFolders, scriptFacts } from '../../../src/core/logs/attribution';
import { findRuns, openRun } from '../../../src/core/logs/discover';
import { fileVersionRecord, scalarEventRecord } from '../../../src/core/logs/event-writer';
import { cli } from '../../helpers/cli';

function write(root: string, rel: string, data: string | Uint8Array): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), data);
}
const events = (tags: Record<string, number>) => Buffer.concat([fileVersionRecord(1000), scalarEventRecord(1, 1001, tags)].map((r) => Buffer.from(r)));

/** Two projects and an unrelated run whose tags overlap project A's. */
function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ml-attrib-'));
  write(
    ws,
    'projA/train.py',
    [
      'import os',
      'from torch.utils.tensorboard import SummaryWriter',
      'HERE = os.path.dirname(os.path.abspath(__file__))',
      'writer = SummaryWriter(log_dir=os.path.join(HERE, "runs", f"seed_{seed}"))',
      'writer.add_scalar("loss", loss, step)',
      'writer.add_scalar("val_loss", val, step)',
    ].join('\n'),
  );
  write(ws, 'projA/runs/seed_0/events.out.tfevents.1.a', events({ loss: 1, val_loss: 2 }));
  write(ws, 'projA/runs/seed_1/events.out.tfevents.1.b', events({ loss: 1.5, val_loss: 2.5 }));
  // Project B names no folder: its runs are found by the tags it logs.
  write(ws, 'projB/fit.py', 'import wandb\nfor step in range(10):\n    self.log("acc", acc)\n    self.log("train/ce", ce)\n');
  write(ws, 'projB/lightning_logs/version_0/metrics.csv', 'step,acc,train/ce,epoch\n1,0.5,0.7,0\n');
  // Unrelated: logs loss and val_loss too, elsewhere.
  write(ws, 'unrelated/lightning_logs/version_0/events.out.tfevents.1.c', events({ loss: 4430, val_loss: 4430 }));
  return ws;
}

async function runsIn(ws: string) {
  const runs = (await findRuns(ws)).map(openRun);
  for (const r of runs) await r.update({ final: true });
  return runs.map((r) => ({ path: r.path, tags: [...r.tags.keys()] }));
}

test("a script's folders: os.path.join of __file__'s folder and literals, variables, f-strings cut at an unknown hole, keyword and writer arguments", () => {
  const py = [
    'import os',
    'from pathlib import Path',
    'ROOT = Path(__file__).resolve().parent',
    'w = SummaryWriter(log_dir=os.path.join("experiments", "tb", f"run_{seed}"))',
    'logger = TensorBoardLogger(save_dir=ROOT / "lightning", name="mnist")',
    'args = TrainingArguments(output_dir="out/hf", logging_dir=f"{ROOT}/hf_logs")',
    'open("results.csv", "w")',
    'print("loss/kd is logged")',
    'HERE = os.path.dirname(__file__)',
  ].join('\n');
  assert.deepEqual(namedFolders(py, 'python', '/proj/train.py'), [
    { path: '/proj/experiments/tb', line: 3 },
    { path: '/proj/lightning', line: 4 },
    { path: '/proj/out/hf', line: 5 },
    { path: '/proj/hf_logs', line: 5 },
  ]);
  const ts = "const dir = path.join(__dirname, 'runs', 'exp');\nconst w = new SummaryWriter(dir);\n";
  assert.deepEqual(namedFolders(ts, 'javascript', '/proj/train.ts'), [{ path: '/proj/runs/exp', line: 0 }]);
});

test("two projects' logs: each script gets only its own runs — by its log folder, else by the tags it logs", async () => {
  const ws = workspace();
  const runs = await runsIn(ws);
  const of = (script: string) => {
    const facts = scriptFacts(readFileSync(join(ws, script), 'utf8'), 'python', join(ws, script));
    return attributeRuns(runs, facts).map((x) => `${relative(ws, x.run.path)} ${x.how.kind} ${x.how.line + 1}`);
  };
  assert.deepEqual(of('projA/train.py'), ['projA/runs/seed_0 log-dir 4', 'projA/runs/seed_1 log-dir 4'], 'not the unrelated run with the same tags');
  assert.deepEqual(of('projB/fit.py'), ['projB/lightning_logs/version_0 tags 3'], "epoch is a framework tag; acc and train/ce are the script's");
});

test('curves --script: the attributed runs with the reason and its 1-based line; a missing script exits 2', async () => {
  const ws = workspace();
  const r = await cli('curves', '--script', join(ws, 'projA/train.py'), ws, '--json');
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out);
  assert.deepEqual(
    json.runs.map((x: { path: string; attribution: string; attributionLine: number; tags: object }) => [
      relative(ws, x.path),
      x.attribution,
      x.attributionLine,
      Object.keys(x.tags),
    ]),
    [
      ['projA/runs/seed_0', 'log-dir', 4, ['loss', 'val_loss']],
      ['projA/runs/seed_1', 'log-dir', 4, ['loss', 'val_loss']],
    ],
  );
  const missing = await cli('curves', '--script', join(ws, 'nope.py'), ws);
  assert.deepEqual(missing, { code: 2, out: '', err: `model-lens: ${join(ws, 'nope.py')}: file not found` });
});
