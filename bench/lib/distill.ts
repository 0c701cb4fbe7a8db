// npm run bench -- --distill: knowledge points (seconds per image, passes, cost per pass against one
// Grad-CAM pass measured in the same run) and compare throughput (images per second), on wasm.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { compareModels } from '../../src/core/distill/compare';
import { knowledgeOf } from '../../src/core/distill/knowledge';
import { explainImage } from '../../src/core/explain/explain-image';
import { DEFAULT_PREPROCESS } from '../../src/core/image/preprocess';
import { readImage } from '../../src/core/image/decode';
import { defaultCamLayer } from '../../src/core/model/cam-layers';
import { loadModel } from '../../src/core/model/load';
import type { InspectableModel } from '../../src/core/model/types';
import { median } from './median';
import { mobileNetV2 } from './mobilenet-v2';

const repo = path.resolve(__dirname, '..', '..');

export async function distillBench(quick: boolean): Promise<void> {
  await initEngine({ backend: 'wasm' });
  const steps = quick ? 10 : 30;
  const samples = 4;
  const demo = await loadModel(path.join(repo, 'demo', 'models', 'shapes', 'model.json'));
  const student = await loadModel(path.join(repo, 'demo', 'runs', 'student-kd-s1', 'model.onnx'));
  const cases: { name: string; model: InspectableModel; size: number }[] = [
    { name: 'demo KD student (ONNX, demo/runs/student-kd-s1) 32×32', model: student, size: 32 },
    { name: 'demo model 64×64', model: demo, size: 64 },
    { name: 'MobileNetV2 224×224 (random weights)', model: mobileNetV2(), size: 224 },
  ];
  console.log(`\nknowledge points on wasm: ${steps} steps × ${samples} samples (each sample one forward and one backward pass), median of 3:`);
  for (const c of cases) {
    const x = tf.randomUniform([1, c.size, c.size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const layer = defaultCamLayer(c.model);
    const box = { x: c.size / 4, y: c.size / 4, width: c.size / 2, height: c.size / 2 };
    const image = { width: c.size, height: c.size, data: Float32Array.from(x.dataSync(), (v) => v * 255) };
    const gradcam = await median(3, () => explainImage(c.model, image, { method: 'gradcam', preprocess: DEFAULT_PREPROCESS }));
    const ms = await median(3, () => knowledgeOf(c.model, x, layer, box, { steps, samples, seed: 1 }));
    const passes = (steps + 1) * samples;
    console.log(`  ${c.name} at ${layer}`);
    console.log(
      `    ${(ms / 1000).toFixed(2)} s per image (${passes} passes; ${(ms / passes).toFixed(1)} ms a pass, ${(ms / passes / gradcam).toFixed(2)}× one Grad-CAM explanation of ${gradcam.toFixed(1)} ms)`,
    );
    console.log(`    at the defaults (300 steps × 16 samples): about ${(((ms / passes) * 301 * 16) / 1000).toFixed(0)} s per image`);
    x.dispose();
  }
  // compare: the demo's teacher against its KD student (ONNX, 32×32), over the first 8 images of demo/kd-images.
  const classes = ['circle', 'cross', 'square', 'triangle'];
  const files = classes.flatMap((c) => [1, 2].map((i) => `${c}/${c}-${i}.png`));
  const images = await Promise.all(files.map(async (f) => ({ name: f, image: await readImage(path.join(repo, 'demo', 'kd-images', f)) })));
  const teacher = await loadModel(path.join(repo, 'demo', 'runs', 'teacher', 'model.onnx'));
  const models = [
    { model: teacher, preprocess: DEFAULT_PREPROCESS },
    { model: student, preprocess: DEFAULT_PREPROCESS },
  ];
  const cmp = await median(3, () => compareModels(models, images, { method: 'gradcam' }));
  console.log(
    `\ncompare on wasm, the demo's teacher and KD student × ${images.length} images (Grad-CAM), median of 3: ${(cmp / 1000).toFixed(2)} s, ${(images.length / (cmp / 1000)).toFixed(1)} images/s`,
  );
  cases[2].model.dispose();
}
