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
