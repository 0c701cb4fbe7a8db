// npm run bench -- --spray: SpRAy on a folder of images of a MobileNetV2-shaped model (random weights,
// 224×224), time per stage — maps, graph, eigen (ml-matrix), k-means, embedding (UMAP) — with LRP and
// Grad-CAM, each against the time of one forward pass per image measured in the same run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { DEFAULT_METHOD, SPRAY_METHOD } from '../../src/core/explain/specs';
import { runSpray, SPRAY_DEFAULTS } from '../../src/core/spray/spray-run';
import { median } from './median';
import { writeBenchImages } from './pool';
import { mobileNetV2 } from './mobilenet-v2';

export async function sprayBench(quick: boolean): Promise<void> {
  await initEngine({ backend: 'wasm' });
  const count = quick ? 60 : 500;
  const size = 224;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spray-bench-'));
  // Smooth random images (blobs on noise): the maps differ from image to image.
  writeBenchImages(dir, count);
  const model = mobileNetV2(size);
  const x = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 1);
  const forward = await median(5, () => tf.dispose(model.forward(x).outputs));
  x.dispose();
  console.log(
    `\nSpRAy on wasm, MobileNetV2-shaped (random weights, ${size}×${size}), ${count} images, class 0, grid 16, 10 neighbours, UMAP; one forward pass: ${forward.toFixed(0)} ms`,
  );
  for (const method of [SPRAY_METHOD, DEFAULT_METHOD]) {
    const timings: Record<string, number> = {};
    const t0 = performance.now();
    const r = await runSpray({ ...SPRAY_DEFAULTS, model, folder: dir, classArg: '0', method, timings });
    const total = performance.now() - t0;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`  ${method}: ${r.clusters} clusters, ${s(total)} in all`);
    console.log(
      `    maps ${s(timings.maps)} (${(timings.maps / count).toFixed(0)} ms an image = ${(timings.maps / count / forward).toFixed(1)}× a forward pass; decoding included)`,
    );
    console.log(`    graph ${s(timings.graph)} · eigen ${s(timings.eigen)} · k-means ${s(timings.kmeans)} · embedding ${s(timings.embed)}`);
  }
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}
