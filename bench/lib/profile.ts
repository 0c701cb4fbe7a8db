// npm run bench -- --profile: the input gradient of a batch of ten through MobileNetV2 on wasm, kernel by
// kernel (tf.profile), for torchvision's ONNX export when it exists and for the MobileNetV2-shaped
// layers model: what the backward passes of IG, SmoothGrad and the layer strip spend their time on;
// and onnxruntime-web's forward pass against TF.js wasm's, the candidate forward-only engine.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { inputGradient } from '../../src/core/model/gradient';
import { loadModel } from '../../src/core/model/load';
import type { InspectableModel } from '../../src/core/model/types';
import { unitScore } from '../../src/core/explain/target';
import { mobileNetV2 } from './mobilenet-v2';
import type * as OrtWeb from 'onnxruntime-web';
import type { InferenceSession } from 'onnxruntime-web';

/** onnxruntime-web's API, which onnxruntime-node shares. */
type OrtModule = typeof OrtWeb;

async function profileOne(name: string, model: InspectableModel): Promise<void> {
  const x = tf.randomUniform([10, 224, 224, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const score = unitScore(0, 7);
  const gradient = () => tf.tidy(() => void inputGradient(model, x, score).dataSync());
  gradient(); // warm-up
  const t0 = performance.now();
  gradient();
  const wall = performance.now() - t0;
  const t1 = performance.now();
  tf.tidy(() => void model.forward(x).outputs[0].dataSync());
  const forward = performance.now() - t1;
  const prof = await tf.profile(gradient);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of prof.kernels) {
    const ms = Number(k.kernelTimeMs) || 0;
    total += ms;
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byKernel.set(k.name, e);
  }
  x.dispose();
  console.log(`  ${name}: forward ${forward.toFixed(0)} ms, forward and backward ${wall.toFixed(0)} ms, of which kernels ${total.toFixed(0)} ms`);
  for (const [kernel, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12))
    console.log(
      `    ${kernel.padEnd(36)} ${`${e.ms.toFixed(0)} ms`.padStart(8)} ${`${e.calls} calls`.padStart(10)}  ${((100 * e.ms) / total).toFixed(1).padStart(5)} %`,
    );
}

/** onnxruntime-node when it can be loaded: from node_modules, or the folder MODEL_LENS_ONNXRUNTIME_NODE names. */
function onnxruntimeNode(): OrtModule | undefined {
  const from = process.env.MODEL_LENS_ONNXRUNTIME_NODE ?? 'onnxruntime-node';
  try {
    return createRequire(join(process.cwd(), 'package.json'))(from) as OrtModule;
  } catch {
    return undefined;
  }
}

/**
 * A forward-only engine for the perturbation methods, measured before it is chosen: onnxruntime-web
 * (single-threaded WebAssembly in Node, as one per pool worker would be) and, when installed,
 * onnxruntime-node (native, one thread and every core) against TF.js wasm on the same ONNX model and
 * input, interleaved, with the outputs compared.
 */
async function forwardEngines(onnx: string): Promise<void> {
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1;
  web.env.logLevel = 'error';
  const native = onnxruntimeNode();
  const cores = availableParallelism();
  const engines: [string, () => Promise<InferenceSession>, typeof web.Tensor][] = [
    ['onnxruntime-web, 1 thread', () => web.InferenceSession.create(readFileSync(onnx)), web.Tensor],
    ...(native
      ? ([1, cores].map((n) => [
          `onnxruntime-node, ${n} thread${n === 1 ? '' : 's'}`,
          () => native.InferenceSession.create(onnx, { intraOpNumThreads: n, interOpNumThreads: 1 }),
          native.Tensor,
        ]) as [string, () => Promise<InferenceSession>, typeof web.Tensor][])
      : []),
  ];
  const model = await loadModel(onnx);
  console.log('  forward passes against TF.js wasm (1 thread), same ONNX model and input, 7 rounds interleaved:');
  if (!native) console.log('    (onnxruntime-node not installed: ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node to measure it)');
  for (const [name, create, Tensor] of engines) {
    const session = await create();
    for (const batch of [1, 10]) {
      const data = Float32Array.from({ length: batch * 3 * 224 * 224 }, (_, i) => ((i * 7919) % 1000) / 1000);
      const feeds = { [session.inputNames[0]]: new Tensor('float32', data, [batch, 3, 224, 224]) };
      const x = tf.tidy(() => tf.transpose(tf.tensor4d(data, [batch, 3, 224, 224]), [0, 2, 3, 1])) as tf.Tensor4D;
      const theirs = async () => Array.from((await session.run(feeds))[session.outputNames[0]].data as Float32Array);
      const ours = () => tf.tidy(() => Array.from(model.forward(x).outputs[0].dataSync()));
      const [a, b] = [await theirs(), ours()];
      const gap = Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(...a.map(Math.abs));
      const ortMs: number[] = [];
      const tfjs: number[] = [];
      for (let r = 0; r < 7; r++) {
        let t = performance.now();
        await theirs();
        ortMs.push(performance.now() - t);
        t = performance.now();
        ours();
        tfjs.push(performance.now() - t);
      }
      x.dispose();
      const med = (v: number[]) => [...v].sort((p, q) => p - q)[3];
      console.log(
        `    ${name}, batch ${String(batch).padStart(2)}: ${med(ortMs).toFixed(0)} ms, TF.js wasm ${med(tfjs).toFixed(0)} ms (TF.js takes ${(med(tfjs) / med(ortMs)).toFixed(2)}× its time); outputs differ by ${gap.toExponential(1)} of their largest`,
      );
    }
    await session.release();
  }
}

export async function profileBench(): Promise<void> {
  await initEngine({ backend: 'wasm' });
  console.log('\ninput gradient of a batch of ten, MobileNetV2 224×224 on wasm, kernel by kernel (tf.profile)');
  const onnx = join(process.cwd(), '.cache', 'onnx', 'mobilenet_v2.onnx');
  if (existsSync(onnx)) {
    await profileOne("torchvision's ONNX export", await loadModel(onnx));
    await forwardEngines(onnx).catch((e: Error) => console.log(`  forward engines skipped: ${e.message.split('\n')[0]}`));
  } else console.log(`  (${onnx} is missing: /usr/bin/python3 scripts/make-onnx-fixtures.py --mobilenet)`);
  const layers = mobileNetV2();
  await profileOne('MobileNetV2-shaped TF.js layers model', layers);
  layers.dispose();
}
