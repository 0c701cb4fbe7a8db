// npm run bench — median latencies of predict and explanations on a MobileNetV2-shaped model
// (224×224, random weights) on wasm and cpu, with ratios measured in the same run.
import { poolBench } from './lib/pool';
import { profileBench } from './lib/profile';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type BackendName } from '../src/core/engine/backend';
import { METHOD_TABLE } from '../src/core/explain/registry';
import { activationBytesPerItem } from '../src/core/engine/memory';
import { batchSizeForMethod } from '../src/core/explain/batching';
import { unitScore } from '../src/core/explain/target';
import { DEFAULT_PARAMS, type MethodName, type MethodParams } from '../src/core/explain/types';
import { layerStrip } from '../src/core/explain/layer-strip';
import { gradCam } from '../src/core/explain/cam/grad-cam';
import { camForLayer } from '../src/core/explain/cam/run-cam';
import { batchSizeFor } from '../src/core/engine/memory';
import { EmbeddingView } from '../src/core/explain/pair/embedding';
import { PAIR_METHOD_TABLE } from '../src/core/explain/pair/registry';
import { DEFAULT_PAIR_PARAMS } from '../src/core/explain/pair/types';
import { LayersInspectableModel } from '../src/core/model/layers-model';
import { buildEncoder } from '../demo/scripts/lib/encoder';
import { mobileNetV2 } from './lib/mobilenet-v2';
import { decodeBench } from './lib/decode';
import { logsBench } from './lib/logs';
import { onnxPeerBench } from './lib/onnx-peer';
import { distillBench } from './lib/distill';
import { trainBench } from './lib/train';
import { sprayBench } from './lib/spray';
import { median } from './lib/median';

const quick = process.argv.includes('--quick');

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

/** Pair (conditional) occlusion: batched against one window per pass, on a large and a small encoder. */
async function pairBench(): Promise<void> {
  await initEngine({ backend: 'wasm' });
  const runs = quick ? 1 : 3;
  const cases = [
    { name: 'MobileNetV2 224×224, window 64 stride 32', model: mobileNetV2(), size: 224, window: 64, stride: 32 },
    {
      name: 'demo encoder 64×64, window 18 stride 2',
      model: new LayersInspectableModel('demo encoder (random weights)', buildEncoder(3)),
      size: 64,
      window: 18,
      stride: 2,
    },
  ];
  console.log(`\npair conditional occlusion on wasm, both views (median of ${runs}):`);
  for (const c of cases) {
    const view = new EmbeddingView(c.model);
    const a = tf.randomUniform([1, c.size, c.size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const b = tf.randomUniform([1, c.size, c.size, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const batchSize = batchSizeFor(activationBytesPerItem(c.model, a.shape), false);
    const run = (size: number) =>
      PAIR_METHOD_TABLE.conditional({
        model: view,
        a,
        b,
        similarity: 'cosine',
        layer: '',
        params: { ...DEFAULT_PAIR_PARAMS, window: c.window, stride: c.stride, batchSize: size },
      });
    const side = Math.floor((c.size - c.window) / c.stride) + 1;
    const passes = 2 * side * side;
    const single = await median(runs, () => run(1));
    const batched = await median(runs, () => run(batchSize));
    console.log(`  ${c.name} (${passes} passes)`);
    console.log(`    one window per pass      ${single.toFixed(0).padStart(7)} ms   ${(passes / (single / 1000)).toFixed(1).padStart(7)} passes/s`);
    console.log(
      `    batched (${String(batchSize).padStart(2)} per batch)   ${batched.toFixed(0).padStart(7)} ms   ${(passes / (batched / 1000)).toFixed(1).padStart(7)} passes/s   ${(single / batched).toFixed(2)}× the speed`,
    );
    tf.dispose([a, b]);
    c.model.dispose();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--strip')) return stripBench(); // the strip benchmark alone
  if (process.argv.includes('--pair')) return pairBench(); // the pair benchmark alone
  if (process.argv.includes('--logs')) return logsBench(); // the log-reading benchmark alone
  if (process.argv.includes('--decode')) return decodeBench(Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3); // image decoding alone
  if (process.argv.includes('--peer')) return onnxPeerBench(quick); // the ONNX / PyTorch comparison alone
  if (process.argv.includes('--distill')) return distillBench(quick); // knowledge points and compare alone
  if (process.argv.includes('--train')) return trainBench(quick); // training steps: wasm, cpu, PyTorch
  if (process.argv.includes('--spray')) return sprayBench(quick); // SpRAy's stages on a MobileNetV2-shaped model
  if (process.argv.includes('--pool')) return poolBench(quick); // a pool of workers against one worker
  if (process.argv.includes('--profile')) return profileBench(); // the input gradient, kernel by kernel
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
  await stripBench();
  await pairBench();
  await logsBench();
  await poolBench(quick);
  await onnxPeerBench(quick);
  await distillBench(quick);
  await trainBench(quick);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
