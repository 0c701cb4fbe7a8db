// npm run bench -- --train: training steps per second of the trainer's cnn:1 student (64×64×3, 4 classes,
// batch 32, Adam, cross-entropy) on wasm and cpu, and the same network, batch and step in PyTorch on the
// CPU (scripts/train-bench.py, one thread) — interleaved round by round in one run, the spread printed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type BackendName } from '../../src/core/engine/backend';
import { crossEntropy } from '../../src/core/distill/losses';
import { buildStudent } from '../../src/core/distill/students';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'train-bench.py');

/** Milliseconds per training step on a backend, after two warm-up steps. */
async function oursMs(backend: BackendName, steps: number): Promise<number> {
  await initEngine({ backend });
  const student = buildStudent('cnn:1', [64, 64, 3], 4, 1);
  const vars = student.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([32, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const y = tf.tensor1d(
    Int32Array.from({ length: 32 }, (_, i) => i % 4),
    'int32',
  );
  const step = () => tf.tidy(() => void optimizer.minimize(() => crossEntropy(student.apply(x, { training: true }) as tf.Tensor2D, y), false, vars));
  step();
  step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  // The last step's weights are read back: the time covers the work, not just its queueing.
  vars[0].dataSync();
  const ms = (performance.now() - t0) / steps;
  tf.dispose([x, y]);
  optimizer.dispose();
  student.dispose();
  return ms;
}

function torchMs(steps: number): { ms: number; version: string } | undefined {
  if (!existsSync(PYTHON)) return undefined;
  try {
    const out = JSON.parse(execFileSync(PYTHON, [SCRIPT, String(steps)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) as {
      msPerStep: number;
      torch: string;
    };
    return { ms: out.msPerStep, version: out.torch };
  } catch {
    return undefined;
  }
}

const spread = (v: number[]) => `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}`;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function trainBench(quick: boolean): Promise<void> {
  const rounds = quick ? 5 : 7;
  const steps = { wasm: quick ? 10 : 20, cpu: quick ? 2 : 4, torch: quick ? 10 : 20 };
  console.log(`\ntraining steps: the trainer's cnn:1 student, 64×64×3, batch 32, Adam, cross-entropy; ${rounds} rounds, interleaved (wasm, cpu, PyTorch)`);
  const t: Record<'wasm' | 'cpu' | 'torch', number[]> = { wasm: [], cpu: [], torch: [] };
  let version = '';
  let torchSkipped = false;
  for (let r = 0; r < rounds; r++) {
    t.wasm.push(await oursMs('wasm', steps.wasm));
    t.cpu.push(await oursMs('cpu', steps.cpu));
    const p = torchSkipped ? undefined : torchMs(steps.torch);
    if (p) {
      t.torch.push(p.ms);
      version = p.version;
    } else torchSkipped = true;
  }
  await initEngine({ backend: 'wasm' });
  const line = (name: string, v: number[]) =>
    console.log(`  ${name.padEnd(34)} ${median(v).toFixed(1).padStart(8)} ms a step (${spread(v)})   ${(1000 / median(v)).toFixed(1).padStart(6)} steps/s`);
  line('Model Lens, wasm (1 thread)', t.wasm);
  line('Model Lens, cpu', t.cpu);
  if (t.torch.length) {
    line(`PyTorch ${version} CPU (1 thread)`, t.torch);
    console.log(
      `  Model Lens wasm / PyTorch: ${(median(t.wasm) / median(t.torch)).toFixed(2)}× (per round: ${t.wasm.map((w, i) => (w / t.torch[i]).toFixed(2)).join(', ')})`,
    );
  } else console.log(`  PyTorch: skipped — ${PYTHON} with python3-torch is not installed (apt-get install python3-torch)`);
  console.log(`  cpu / wasm: ${(median(t.cpu) / median(t.wasm)).toFixed(1)}×`);
}
