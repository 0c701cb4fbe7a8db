// Runs are folders: each writer's exact folder layout (as the writer names its files and folders),
// written here, discovered, grouped, named and read.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { findRuns, openRun, runsFromFiles, uniqueNames } from '../../../src/core/logs/discover';
import { fileVersionRecord, scalarEventRecord } from '../../../src/core/logs/event-writer';
import { CSV_EXPORT_HEADER } from '../../../src/core/logs/formats';

function write(root: string, rel: string, data: string | Uint8Array): string {
  const file = join(root, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, data);
  return file;
}
const events = (...records: Uint8Array[]) => Buffer.concat([fileVersionRecord(1000), ...records].map((r) => Buffer.from(r)));

/** A workspace holding every layout below. */
function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ml-layouts-'));
  // Keras TensorBoard callback: log_dir/train and log_dir/validation.
  write(ws, 'logs/fit/20240101-000000/train/events.out.tfevents.1.host.1.v2', events(scalarEventRecord(0, 1001, { epoch_loss: 1.5 }, 'tensor_content')));
  write(ws, 'logs/fit/20240101-000000/validation/events.out.tfevents.1.host.2.v2', events(scalarEventRecord(0, 1001, { epoch_loss: 1.7 }, 'tensor_content')));
  // Lightning: TensorBoardLogger's version_0 (events + hparams.yaml) in two projects, CSVLogger's metrics.csv.
  write(ws, 'lightning_logs/version_0/events.out.tfevents.1.host.3', events(scalarEventRecord(5, 1002, { train_loss: 0.9 })));
  write(ws, 'lightning_logs/version_0/hparams.yaml', 'lr: 0.001\n');
  write(ws, 'other/lightning_logs/version_0/events.out.tfevents.1.host.4', events(scalarEventRecord(5, 1002, { train_loss: 0.8 })));
  write(ws, 'csv_logs/version_0/metrics.csv', 'epoch,step,train_loss,val_loss\n0,9,0.7,\n0,9,,0.75\n');
  // Hugging Face Trainer: output_dir/checkpoint-N/trainer_state.json (each the whole history), logging_dir events.
  const state = (steps: number[]) => JSON.stringify({ log_history: steps.map((s) => ({ step: s, loss: 2 / s, epoch: s / 100 })) });
  write(ws, 'outputs/checkpoint-500/trainer_state.json', state([100, 500]));
  write(ws, 'outputs/checkpoint-1000/trainer_state.json', state([100, 500, 1000]));
  write(ws, 'outputs/runs/Nov30_12-00-00_host/events.out.tfevents.1.host.5', events(scalarEventRecord(100, 1003, { 'train/loss': 0.02 })));
  // detectron2: output/metrics.json (JSON lines) beside output/events (both log total_loss).
  write(ws, 'output/metrics.json', '{"iteration": 19, "total_loss": 1.25}\n{"iteration": 39, "total_loss": 1.0}\n');
  write(ws, 'output/events.out.tfevents.1.host.6', events(scalarEventRecord(19, 1004, { total_loss: 1.25 }), scalarEventRecord(39, 1005, { total_loss: 1 })));
  // mmengine: work_dirs/<config>/<timestamp>/vis_data/scalars.json.
  write(ws, 'work_dirs/rtm/20240101_000000/vis_data/scalars.json', '{"loss": 0.5, "step": 10}\n');
  // The demo's layout: one folder, a JSON lines file and a CSV file.
  write(ws, 'runs/student-kd/train.jsonl', '{"step": 1, "loss/kd": 0.4}\n');
  write(ws, 'runs/student-kd/epochs.csv', 'epoch,val_loss\n0,0.3\n');
  // Not runs: a graph-only event file is a run with no scalars; a curves-panel export is never a log.
  write(ws, 'runs/graph-only/events.out.tfevents.1.host.7', events());
  write(ws, 'exports/curves.csv', `${CSV_EXPORT_HEADER}\nteacher,loss,1,,0.5\n`);
  return ws;
}

test('discovery: every writer layout gives one run per folder its writer owns, phase folders and checkpoints inside it', async () => {
  const ws = workspace();
  const specs = await findRuns(ws);
  assert.deepEqual(
    specs.map((s) => relative(ws, s.path)),
    [
      'csv_logs/version_0',
      'lightning_logs/version_0',
      'logs/fit/20240101-000000',
      'other/lightning_logs/version_0',
      'output',
      'outputs',
      'outputs/runs/Nov30_12-00-00_host',
      'runs/graph-only',
      'runs/student-kd',
      'work_dirs/rtm/20240101_000000',
    ],
  );
  // A workspace search's files give the same runs (the export is not one).
  const all = [
    'logs/fit/20240101-000000/train/events.out.tfevents.1.host.1.v2',
    'outputs/checkpoint-500/trainer_state.json',
    'work_dirs/rtm/20240101_000000/vis_data/scalars.json',
    'runs/student-kd/epochs.csv',
    'exports/curves.csv',
  ].map((f) => join(ws, f));
  assert.deepEqual(
    (await runsFromFiles(all)).map((s) => relative(ws, s.path)),
    ['logs/fit/20240101-000000', 'outputs', 'runs/student-kd', 'work_dirs/rtm/20240101_000000'],
  );
});

test('names: the shortest unique tail of each run folder relative to the workspace', async () => {
  const ws = workspace();
  const names = uniqueNames(await findRuns(ws), ws);
  const byRel = Object.fromEntries([...names].map(([p, n]) => [relative(ws, p), n]));
  assert.equal(byRel['lightning_logs/version_0'], 'lightning_logs/version_0', 'two version_0 runs are told apart');
  assert.equal(byRel['other/lightning_logs/version_0'], 'other/lightning_logs/version_0');
  assert.equal(byRel['csv_logs/version_0'], 'csv_logs/version_0');
  assert.equal(byRel['runs/student-kd'], 'student-kd');
  assert.equal(byRel['outputs/runs/Nov30_12-00-00_host'], 'Nov30_12-00-00_host');
  assert.equal(new Set(names.values()).size, names.size, 'all names differ');
});

test("reading: a run merges its files' tags; Keras phases prefix theirs; the last checkpoint's state; the event file wins a duplicated tag", async () => {
  const ws = workspace();
  const run = async (rel: string) => {
    const r = openRun({ path: join(ws, rel) });
    await r.update({ final: true });
    return r;
  };
  const keras = await run('logs/fit/20240101-000000');
  assert.deepEqual([...keras.tags.keys()].sort(), ['train/epoch_loss', 'validation/epoch_loss']);
  assert.equal(keras.tags.get('validation/epoch_loss')!.values[0], Math.fround(1.7));

  const demo = await run('runs/student-kd');
  assert.deepEqual([...demo.tags.keys()].sort(), ['loss/kd', 'val_loss'], "the CSV's epoch column is its step");
  assert.deepEqual(
    demo.files.map((f) => `${relative(ws, f.path)} ${f.format}`),
    ['runs/student-kd/epochs.csv csv', 'runs/student-kd/train.jsonl jsonl'],
  );

  const hf = await run('outputs');
  assert.deepEqual(Array.from(hf.tags.get('loss')!.steps.subarray(0, 3)), [100, 500, 1000], "checkpoint-1000's history, not checkpoint-500's");
  assert.deepEqual(
    hf.files.map((f) => relative(ws, f.path)),
    ['outputs/checkpoint-1000/trainer_state.json'],
  );

  const d2 = await run('output');
  assert.equal(d2.tags.get('total_loss')!.length, 2, "the event file's series, not both");
  assert.equal(d2.fileOf('total_loss'), join(ws, 'output/events.out.tfevents.1.host.6'));
  assert.deepEqual(d2.duplicates.get('total_loss'), [join(ws, 'output/metrics.json')]);

  const mm = await run('work_dirs/rtm/20240101_000000');
  assert.deepEqual([...mm.tags.keys()], ['loss']);

  const empty = await run('runs/graph-only');
  assert.equal(empty.tags.size, 0, 'a graph-only event file is a run with no scalars');
  assert.equal(empty.files.length, 1);
});

test('a run lists its folder again when a file is added, and picks up files in its sub-folders within ten updates', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'ml-layouts-'));
  write(ws, 'fit/train/events.out.tfevents.1.host.1.v2', events(scalarEventRecord(0, 1001, { epoch_loss: 1.5 }, 'tensor_content')));
  const run = openRun({ path: join(ws, 'fit') });
  await run.update({ final: true });
  assert.deepEqual([...run.tags.keys()], ['train/epoch_loss']);
  // Keras writes validation/ after the first epoch: the run folder's own time does not change.
  write(ws, 'fit/validation/events.out.tfevents.1.host.2.v2', events(scalarEventRecord(0, 1001, { epoch_loss: 1.7 }, 'tensor_content')));
  let updates = 0;
  while (!run.tags.has('validation/epoch_loss') && updates < 12) {
    await run.update({ final: true });
    updates++;
  }
  assert.ok(run.tags.has('validation/epoch_loss'), 'the phase folder was found');
  assert.ok(updates <= 10, `after ${updates} updates`);
  // A file beside the others changes the folder's time: found at the next update.
  write(ws, 'fit/history.csv', 'epoch,acc\n0,0.5\n');
  await run.update({ final: true });
  assert.ok(run.tags.has('acc'));
});
