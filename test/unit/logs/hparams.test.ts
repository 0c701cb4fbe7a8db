import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRun } from '../../../src/core/logs/discover';
import { readHparams } from '../../../src/core/logs/hparams';
import { cli } from '../../helpers/cli';

const tmp = () => mkdtempSync(join(tmpdir(), 'ml-hparams-'));

test("Lightning's hparams.yaml: nested maps as dotted keys, lists as JSON, numbers and booleans kept; read with the run", async () => {
  const dir = join(tmp(), 'lightning_logs', 'version_0');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'hparams.yaml'),
    'lr: 0.001\nbatch_size: 64\nuse_amp: false\nname: resnet18\noptimizer:\n  name: adam\n  betas:\n  - 0.9\n  - 0.99\nscheduler: null\n',
  );
  writeFileSync(join(dir, 'metrics.csv'), 'step,train_loss\n1,0.5\n');
  assert.deepEqual(await readHparams(dir), {
    lr: 0.001,
    batch_size: 64,
    use_amp: false,
    name: 'resnet18',
    'optimizer.name': 'adam',
    'optimizer.betas': '[0.9,0.99]',
    scheduler: null,
  });
  const run = openRun({ path: dir });
  await run.update({ final: true });
  assert.equal(run.hparams?.lr, 0.001);
  const r = await cli('curves', dir, '--json');
  assert.deepEqual(JSON.parse(r.out).runs[0].hparams.batch_size, 64);
});

test("an MLflow run's params/ (one file per parameter, nested keys as folders); no parameters: undefined; a bad hparams.yaml says so", async () => {
  const run = join(tmp(), 'mlruns', '0', 'abc');
  mkdirSync(join(run, 'params', 'model'), { recursive: true });
  mkdirSync(join(run, 'metrics'), { recursive: true });
  writeFileSync(join(run, 'meta.yaml'), 'run_name: kd\n');
  writeFileSync(join(run, 'params', 'temperature'), '4.0');
  writeFileSync(join(run, 'params', 'model', 'arch'), 'resnet18');
  assert.deepEqual(await readHparams(run), { 'model/arch': 'resnet18', temperature: 4 });
  assert.equal(await readHparams(tmp()), undefined);
  const bad = tmp();
  writeFileSync(join(bad, 'hparams.yaml'), 'lr: [0.1\n');
  const h = await readHparams(bad);
  assert.match(String(h?.['hparams.yaml']), /^unreadable: /);
});

// Event files written field by field with protobufjs's Writer, as TensorBoard's protos define them
// (plugin_data.proto, summary.proto, struct.proto): independent of the reader's walk.
import { Writer } from 'protobufjs/minimal';
import { frameRecord } from '../../../src/core/logs/tfrecord';
import { fileVersionRecord, scalarEventRecord } from '../../../src/core/logs/event-writer';
import { eventHparams } from '../../../src/core/logs/hparams';

const msg = (build: (w: Writer) => void): Uint8Array => {
  const w = Writer.create();
  build(w);
  return w.finish();
};
/** An Event (wall 1, step 2) with one Summary.Value (tag 1, metadata 9 → plugin_data 1 {name 1, content 2}, tensor 8). */
const summaryEvent = (tag: string, plugin: string, content: Uint8Array, tensor?: Uint8Array): Uint8Array => {
  const pluginData = msg((w) => w.uint32(10).string(plugin).uint32(18).bytes(content));
  const metadata = msg((w) => w.uint32(10).bytes(pluginData));
  const value = msg((w) => {
    w.uint32(10).string(tag).uint32(74).bytes(metadata);
    if (tensor) w.uint32(66).bytes(tensor);
  });
  const summary = msg((w) => w.uint32(10).bytes(value));
  return frameRecord(msg((w) => w.uint32(9).double(1700000000).uint32(16).int64(0).uint32(42).bytes(summary)));
};
/** google.protobuf.Value: number 2, string 3, bool 4. */
const pv = (v: number | string | boolean): Uint8Array =>
  msg((w) => (typeof v === 'number' ? w.uint32(17).double(v) : typeof v === 'string' ? w.uint32(26).string(v) : w.uint32(32).bool(v)));
const sessionStartInfo = (hp: Record<string, number | string | boolean>): Uint8Array => {
  const start = msg((w) => {
    for (const [k, v] of Object.entries(hp)) w.uint32(10).bytes(msg((e) => e.uint32(10).string(k).uint32(18).bytes(pv(v))));
    w.uint32(41).double(1700000000); // start_time_secs
  });
  return msg((w) => w.uint32(8).int32(0).uint32(26).bytes(start)); // HParamsPluginData: version 1, session_start_info 3
};

test("TensorBoard's hparams plugin and the Hugging Face Trainer's args text in event files; an add_hparams sub-folder belongs to its run", async () => {
  const hp = summaryEvent('_hparams_/session_start_info', 'hparams', sessionStartInfo({ lr: 0.01, optimizer: 'sgd', augment: true }));
  assert.deepEqual(eventHparams(Buffer.concat([fileVersionRecord(1), hp, scalarEventRecord(1, 2, { loss: 1 })])), {
    lr: 0.01,
    optimizer: 'sgd',
    augment: true,
  });
  // transformers' TensorBoardCallback: add_text("args", args.to_json_string()) → tag args/text_summary, a DT_STRING tensor.
  const args = JSON.stringify({ learning_rate: 5e-5, num_train_epochs: 3, lr_scheduler_type: 'linear', report_to: ['tensorboard'], fp16: false });
  const tensor = msg((w) => w.uint32(8).int32(7).uint32(66).bytes(Buffer.from(args)));
  const text = summaryEvent('args/text_summary', 'text', new Uint8Array(), tensor);
  const other = summaryEvent(
    'model_config/text_summary',
    'text',
    new Uint8Array(),
    msg((w) => w.uint32(8).int32(7).uint32(66).bytes(Buffer.from('{"hidden": 4}'))),
  );
  assert.deepEqual(eventHparams(Buffer.concat([fileVersionRecord(1), other, text])), {
    learning_rate: 5e-5,
    num_train_epochs: 3,
    lr_scheduler_type: 'linear',
    report_to: '["tensorboard"]',
    fp16: false,
  });
  assert.equal(eventHparams(Buffer.concat([fileVersionRecord(1), scalarEventRecord(1, 2, { loss: 1 })])), undefined, 'scalars only: none');
  // A corrupt record among them costs that record only.
  const bad = Buffer.from(hp);
  bad[bad.length - 6] ^= 0xff;
  assert.equal(eventHparams(bad), undefined);

  // Hugging Face's layout: runs/<date>_<host>/events… with the args, and add_hparams's <time.time()>/ sub-folder.
  const dir = join(tmp(), 'runs', 'Nov30_10-15-00_host');
  mkdirSync(join(dir, '1764497700.1234567'), { recursive: true });
  writeFileSync(
    join(dir, 'events.out.tfevents.1764497700.host.1.0'),
    Buffer.concat([fileVersionRecord(1), text, scalarEventRecord(10, 2, { 'train/loss': 1.2 })]),
  );
  writeFileSync(
    join(dir, '1764497700.1234567', 'events.out.tfevents.1764497701.host.1.1'),
    Buffer.concat([fileVersionRecord(1), summaryEvent('_hparams_/session_start_info', 'hparams', sessionStartInfo({ seed: 42 }))]),
  );
  const run = openRun({ path: dir });
  await run.update({ final: true });
  assert.equal(run.hparams?.learning_rate, 5e-5);
  assert.equal(run.hparams?.seed, 42);
  assert.deepEqual([...run.tags.keys()], ['train/loss']);
  const listed = await cli('curves', join(dir, '..'), '--json');
  assert.equal(listed.code, 0, listed.err);
  const runs = JSON.parse(listed.out).runs as { path: string; hparams?: Record<string, unknown> }[];
  assert.equal(runs.length, 1, 'the add_hparams sub-folder is no run of its own');
  assert.equal(runs[0].hparams?.seed, 42);
});
