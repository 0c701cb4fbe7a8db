// npm run bench -- --profile: the input gradient of a batch of ten through MobileNetV2 on wasm, kernel by
// kernel (tf.profile), for torchvision's ONNX export when it exists and for the MobileNetV2-shaped
// layers model: what the backward passes of IG, SmoothGrad and the layer strip spend their time on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { inputGradient } from '../../src/core/model/gradient';
import { loadModel } from '../../src/core/model/load';
import type { InspectableModel } from '../../src/core/model/types';
import { unitScore } from '../../src/core/explain/target';
import { mobileNetV2 } from './mobilenet-v2';

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

export async function profileBench(): Promise<void> {
  await initEngine({ backend: 'wasm' });
  console.log('\ninput gradient of a batch of ten, MobileNetV2 224×224 on wasm, kernel by kernel (tf.profile)');
  const onnx = join(process.cwd(), '.cache', 'onnx', 'mobilenet_v2.onnx');
  if (existsSync(onnx)) await profileOne("torchvision's ONNX export", await loadModel(onnx));
  else console.log(`  (${onnx} is missing: /usr/bin/python3 scripts/make-onnx-fixtures.py --mobilenet)`);
  const layers = mobileNetV2();
  await profileOne('MobileNetV2-shaped TF.js layers model', layers);
  layers.dispose();
}
