import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { initEngine } from '../../src/core/engine/backend';
import { onnxruntimeNodeEngine, type ForwardEngine } from '../../src/core/engine/forward-engine';
import { batchSizeForMethod } from '../../src/core/explain/batching';
import { explainFile } from '../../src/core/explain/explain-file';
import type { FileJob } from '../../src/core/explain/file-job';
import { defaultCamLayer } from '../../src/core/model/cam-layers';
import { METHOD_TABLE } from '../../src/core/explain/registry';
import { unitScore } from '../../src/core/explain/target';
import { DEFAULT_PARAMS, type MethodName, type MethodParams } from '../../src/core/explain/types';
import { DEFAULT_METHOD } from '../../src/core/explain/specs';
import { loadModel } from '../../src/core/model/load';
import { WorkerPool } from '../../src/pool/pool';
import { splitRun } from '../../src/pool/split';
import { interleaved } from './median';
import { Peer, PYTHON } from './peer-process';
import { loadLine, stats, writeBenchImages } from './pool';

const MODEL = join(process.cwd(), '.cache', 'onnx', 'mobilenet_v2.onnx');
const median = (xs: number[]) => stats(xs).median;
const spread = (xs: number[], f: (v: number) => string) => {
  const s = stats(xs);
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
};

/**
 * Peer comparison: torchvision's MobileNetV2 exported to ONNX (scripts/make-onnx-fixtures.py
 * --mobilenet) in Model Lens on wasm against the same model in PyTorch on the CPU, interleaved
 * (Model Lens, PyTorch, then PyTorch, Model Lens, …) over several rounds in the same warm processes,
 * medians with min–max, the machine's load before and after. First with one thread on both sides
 * (one wasm thread; torch.set_num_threads(1)), then with every core on both sides (a pool of one
 * worker per core; torch.set_num_threads(cores)) as throughput.
 */
export async function onnxPeerBench(quick: boolean): Promise<void> {
  console.log('\npeer comparison: torchvision MobileNetV2 (random weights, seed 0), 224×224, Model Lens on wasm against PyTorch on the CPU');
  if (!existsSync(MODEL)) {
    console.log(
      `  skipped: ${MODEL} is missing — make it with "/usr/bin/python3 scripts/make-onnx-fixtures.py --mobilenet" (python3-torch, python3-torchvision)`,
    );
    return;
  }
  if (!existsSync(PYTHON)) return console.log(`  skipped: ${PYTHON} is missing`);
  const peer = new Peer();
  let hello: { torch: string; logits: number[]; cores: number };
  try {
    hello = await peer.ask({ op: 'hello' });
  } catch {
    console.log('  skipped: /usr/bin/python3 with torch and torchvision is not available');
    return;
  }
  const cores = availableParallelism();
  const rounds = quick ? 3 : 5;
  console.log(`  PyTorch ${hello.torch}; ${rounds} rounds interleaved; before: ${loadLine()}`);
  await initEngine({ backend: 'wasm' });
  const model = await loadModel(MODEL);
  // The input both sides use: x[i] = (i·7919 mod 1000) / 1000 over the NCHW index.
  const n = 3 * 224 * 224;
  const nchw = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [1, 3, 224, 224]), [0, 2, 3, 1])) as tf.Tensor4D;
  const score = unitScore(0, 7);
  const layer = defaultCamLayer(model);
  const logits = tf.tidy(() => Array.from(model.forward(x).outputs[0].dataSync()).slice(0, 10));
  const d = hello.logits.map((v, i) => v - logits[i]);
  console.log(
    `  same model, same input: the first 10 logits differ by ‖Δ‖/‖·‖ = ${(Math.hypot(...d) / Math.hypot(...hello.logits)).toExponential(2)} (max |Δ| ${Math.max(...d.map(Math.abs)).toExponential(2)})`,
  );
  x.dispose();
  // Every timing is on one picture both sides read from the same PNG (RGB / 255): the made-up input
  // above drives random weights into subnormal numbers, which PyTorch computes many times slower.
  const dir = mkdtempSync(join(tmpdir(), 'peer-bench-'));
  const [image] = writeBenchImages(join(dir, 'one'), 1, 3);
  const png = PNG.sync.read(readFileSync(image));
  const rgb = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => png.data[Math.floor(i / 3) * 4 + (i % 3)] / 255);
  const input = tf.tensor4d(rgb, [1, 224, 224, 3]);

  // One thread on each side.
  const jobs: [string, string, MethodName | undefined, Partial<MethodParams>, number][] = [
    ['predict', 'predict', undefined, {}, 1.5],
    ['Grad-CAM', 'gradcam', DEFAULT_METHOD, {}, 1.0],
    ['Integrated Gradients (50 steps)', 'ig', 'ig' as MethodName, { steps: 50 }, 1.5],
    ['occlusion (window 32, stride 16)', 'occlusion', 'occlusion' as MethodName, { window: 32, stride: 16 }, 1.0],
  ];
  const oursOnce = async (method: MethodName | undefined, params: Partial<MethodParams>, forward?: ForwardEngine) => {
    const t = performance.now();
    if (!method) {
      const { outputs } = model.forward(input);
      await outputs[0].data();
      tf.dispose(outputs);
    } else {
      const r = await METHOD_TABLE[method]({
        model,
        input,
        score,
        layers: [layer],
        params: { ...DEFAULT_PARAMS, batchSize: batchSizeForMethod(model, input.shape, method), ...params },
        forward,
      });
      void r;
    }
    return performance.now() - t;
  };
  // The command line's optional forward engine (--forward-engine onnxruntime-node) for occlusion, on one thread too.
  const native = await onnxruntimeNodeEngine(model, 1).catch((e: Error) => {
    console.log(`  (onnxruntime-node rows skipped: ${e.message})`);
    return undefined;
  });
  if (native) jobs.push(['occlusion, --forward-engine onnxruntime-node', 'occlusion', 'occlusion' as MethodName, { window: 32, stride: 16 }, 1.0]);
  console.log(`\n  one thread each   ${'Model Lens wasm'.padStart(24)} ${'PyTorch CPU'.padStart(24)}   ratio   target`);
  for (const [name, op, method, params, target] of jobs) {
    const forward = name.includes('onnxruntime-node') ? native : undefined;
    await oursOnce(method, params, forward); // warm-up, as the peer warms up
    const [ours, theirs] = await interleaved(
      rounds,
      () => oursOnce(method, params, forward),
      async () => (await peer.ask({ op: 'image', what: op, threads: 1, file: image })).ms,
    );
    const ratio = median(ours) / median(theirs);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    console.log(
      `  ${name.padEnd(34).slice(0, 34)} ${spread(ours, ms).padStart(24)} ${spread(theirs, ms).padStart(24)}   ${ratio.toFixed(2)}×   ≤ ${target.toFixed(1)}× ${ratio <= target ? 'met' : 'missed'}`,
    );
  }
  input.dispose(); // the model stays: loadModel's cache owns it (the onnxruntime-node row below loads it again)

  // Every core on each side: throughput.
  const pool = new WorkerPool(join(__dirname, '..', 'worker.js'), cores, { configure: { backend: 'wasm' } });
  try {
    const count = quick ? 40 : 200;
    const folder = writeBenchImages(join(dir, 'folder'), count);
    const job = (method: MethodName, params: Partial<MethodParams> = {}): FileJob => ({
      modelPath: MODEL,
      method,
      target: 7,
      params,
      // What the peer does to a PNG: RGB / 255, stretched to 224×224.
      preprocess: [{ source: 'flag', values: { scale: '0..1', mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' } }],
      opacity: 0.5,
      colorbar: false,
      topK: 1,
      files: false,
    });
    await Promise.all(pool.clients.map((c) => c.request('explainFile', { job: job(DEFAULT_METHOD), file: image })));
    console.log(`\n  all ${cores} cores each (a pool of ${cores} wasm workers; torch.set_num_threads(${cores}))`);
    console.log(`  ${'throughput'.padEnd(34)} ${'Model Lens wasm'.padStart(26)} ${'PyTorch CPU'.padStart(26)}   ratio`);
    const throughput: [string, string, () => Promise<number>, () => Promise<number>, number, number][] = [
      [
        'IG-50 on one image',
        'steps/s',
        async () => {
          const t = performance.now();
          await splitRun(pool, 'explainFile', { job: job('ig' as MethodName, { steps: 50 }), file: image });
          return performance.now() - t;
        },
        async () => (await peer.ask({ op: 'image', what: 'ig', threads: cores, file: image })).ms,
        50,
        quick ? 2 : 5,
      ],
      [
        'occlusion on one image',
        'windows/s',
        async () => {
          const t = performance.now();
          await splitRun(pool, 'explainFile', { job: job('occlusion' as MethodName, { window: 32, stride: 16 }), file: image });
          return performance.now() - t;
        },
        async () => (await peer.ask({ op: 'image', what: 'occlusion', threads: cores, file: image })).ms,
        169,
        quick ? 2 : 5,
      ],
      ...(native
        ? [
            [
              `occlusion, onnxruntime-node (${cores} threads)`,
              'windows/s',
              async () => {
                const t = performance.now();
                await explainFile({ ...job('occlusion' as MethodName, { window: 32, stride: 16 }), forwardEngine: 'onnxruntime-node' }, image);
                return performance.now() - t;
              },
              async () => (await peer.ask({ op: 'image', what: 'occlusion', threads: cores, file: image })).ms,
              169,
              quick ? 2 : 5,
            ] as [string, string, () => Promise<number>, () => Promise<number>, number, number],
          ]
        : []),
      [
        `Grad-CAM over ${count} images`,
        'images/s',
        async () => {
          const t = performance.now();
          await pool.map(folder, 'explainFile', (file) => ({ job: job(DEFAULT_METHOD), file }));
          return performance.now() - t;
        },
        async () => (await peer.ask({ op: 'folder', threads: cores, files: folder })).ms,
        count,
        quick ? 1 : 3,
      ],
    ];
    for (const [name, unit, ours, theirs, items, times] of throughput) {
      const perSecond = (ms: () => Promise<number>) => async () => (items * 1000) / (await ms());
      const [a, b] = await interleaved(times, perSecond(ours), perSecond(theirs));
      const f = (v: number) => `${v.toFixed(1)} ${unit}`;
      const ratio = median(a) / median(b);
      console.log(
        `  ${name.padEnd(34)} ${spread(a, f).padStart(26)} ${spread(b, f).padStart(26)}   ${ratio.toFixed(2)}× ${ratio >= 1 ? 'met' : 'missed'} (≥ 1)`,
      );
    }
  } finally {
    pool.dispose();
    peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  after: ${loadLine()}`);
}
