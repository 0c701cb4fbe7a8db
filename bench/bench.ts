// npm run bench — median latencies of predict and explanations on a MobileNetV2-shaped model
// (224×224, random weights) on wasm and cpu, with ratios measured in the same run.
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type BackendName } from '../src/core/engine/backend';
import { METHOD_TABLE } from '../src/core/explain/methods';
import { batchSizeForMethod } from '../src/core/explain/explain-image';
import { unitScore } from '../src/core/explain/target';
import { DEFAULT_PARAMS, type MethodName, type MethodParams } from '../src/core/explain/types';
import { layerStrip } from '../src/core/explain/layer-strip';
import { gradCam } from '../src/core/explain/cam/grad-cam';
import { camForLayer } from '../src/core/explain/cam/run-cam';
import { mobileNetV2 } from './lib/mobilenet-v2';

const quick = process.argv.includes('--quick');

async function median(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn(); // warm-up: kernels compiled, weights uploaded
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function measure(backend: BackendName, jobs: { name: string; method?: MethodName; params?: Partial<MethodParams>; runs: number }[]) {
  await initEngine({ backend });
  const model = mobileNetV2();
  const x = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const score = unitScore(0, 7);
  const results: Record<string, number> = {};
  for (const job of jobs) {
    results[job.name] = await median(job.runs, async () => {
      if (!job.method) {
        const { outputs } = model.forward(x);
        await outputs[0].data();
        tf.dispose(outputs);
        return;
      }
      const batchSize = batchSizeForMethod(model, x.shape, job.method);
      await METHOD_TABLE[job.method]({ model, input: x, score, layers: ['Conv_1_relu'], params: { ...DEFAULT_PARAMS, batchSize, ...job.params } });
    });
    console.log(`  ${backend.padEnd(5)} ${job.name.padEnd(34)} ${results[job.name].toFixed(0).padStart(7)} ms (median of ${job.runs})`);
  }
  x.dispose();
  model.dispose();
  return results;
}

/** The layer strip over every 4-D layer: chunked passes (layerStrip) against one pass per layer. */
async function stripBench(): Promise<void> {
  await initEngine({ backend: 'wasm' });
  const model = mobileNetV2();
  const x = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const score = unitScore(0, 7);
  const layers = model.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name);
  const runs = quick ? 1 : 3;
  const chunked = await median(runs, () => layerStrip(model, x, layers, score, undefined, () => {}));
  const ctx = { model, input: x, score, layers, params: { ...DEFAULT_PARAMS, batchSize: 1 } };
  const oneByOne = await median(runs, async () => {
    for (const layer of layers) (await camForLayer(gradCam, ctx, layer)).dispose();
  });
  console.log(`\nlayer strip, Grad-CAM at all ${layers.length} 4-D layers on wasm (median of ${runs}):`);
  console.log(`  one layer per pass       ${oneByOne.toFixed(0).padStart(7)} ms`);
  console.log(`  chunked (layerStrip)     ${chunked.toFixed(0).padStart(7)} ms   ${(oneByOne / chunked).toFixed(1)}× faster`);
  x.dispose();
  model.dispose();
}

async function main(): Promise<void> {
  if (process.argv.includes('--strip')) return stripBench(); // the strip benchmark alone
  console.log(`MobileNetV2-shaped model, 224×224, random weights; node ${process.version}, ${quick ? 'quick' : 'full'} run`);
  const wasm = await measure('wasm', [
    { name: 'predict', runs: quick ? 3 : 9 },
    { name: 'gradcam', method: 'gradcam', runs: quick ? 3 : 7 },
    { name: 'integrated gradients (50 steps)', method: 'ig', params: { steps: 50 }, runs: quick ? 1 : 3 },
    { name: 'occlusion (window 32, stride 16)', method: 'occlusion', params: { window: 32, stride: 16 }, runs: quick ? 1 : 3 },
  ]);
  const cpu = await measure('cpu', [
    { name: 'predict', runs: quick ? 1 : 3 },
    { name: 'gradcam', method: 'gradcam', runs: quick ? 1 : 3 },
  ]);
  console.log('\nwasm speed-up over cpu (cpu time / wasm time, same run):');
  for (const k of ['predict', 'gradcam']) console.log(`  ${k.padEnd(10)} ${(cpu[k] / wasm[k]).toFixed(1)}×`);
  console.log(`occlusion: ${(169 / (wasm['occlusion (window 32, stride 16)'] / 1000)).toFixed(1)} forward passes per second on wasm (13×13 windows)`);
  if (!process.argv.includes('--no-strip')) await stripBench();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
