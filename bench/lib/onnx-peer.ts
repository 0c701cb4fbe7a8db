import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { batchSizeForMethod } from '../../src/core/explain/batching';
import { defaultCamLayer } from '../../src/core/model/cam-layers';
import { METHOD_TABLE } from '../../src/core/explain/registry';
import { unitScore } from '../../src/core/explain/target';
import { DEFAULT_PARAMS, type MethodName, type MethodParams } from '../../src/core/explain/types';
import { loadModel } from '../../src/core/model/load';
import { median } from './median';

const MODEL = join(process.cwd(), '.cache', 'onnx', 'mobilenet_v2.onnx');

/**
 * Peer comparison: torchvision's MobileNetV2 exported to ONNX (scripts/make-onnx-fixtures.py
 * --mobilenet) timed in Model Lens on wasm, and the same model and operations in PyTorch on the CPU
 * in the same run (scripts/peer-bench.py) when python3-torch is installed; ratios printed.
 */
export async function onnxPeerBench(quick: boolean): Promise<void> {
  console.log('\npeer comparison: torchvision MobileNetV2 (random weights, seed 0), 224×224');
  if (!existsSync(MODEL)) {
    console.log(
      `  skipped: ${MODEL} is missing — make it with "/usr/bin/python3 scripts/make-onnx-fixtures.py --mobilenet" (python3-torch, python3-torchvision)`,
    );
    return;
  }
  await initEngine({ backend: 'wasm' });
  const model = await loadModel(MODEL);
  // The input both sides use: x[i] = (i·7919 mod 1000) / 1000 over the NCHW index.
  const n = 3 * 224 * 224;
  const nchw = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [1, 3, 224, 224]), [0, 2, 3, 1])) as tf.Tensor4D;
  const score = unitScore(0, 7);
  const layer = defaultCamLayer(model);
  const ours: Record<string, number> = {};
  const jobs: [string, MethodName | undefined, Partial<MethodParams>, number][] = [
    ['predict', undefined, {}, quick ? 3 : 9],
    ['gradcam', 'gradcam', {}, quick ? 3 : 7],
    ['ig', 'ig', { steps: 50 }, quick ? 1 : 3],
    ['occlusion', 'occlusion', { window: 32, stride: 16 }, quick ? 1 : 3],
  ];
  for (const [name, method, params, runs] of jobs) {
    ours[name] = await median(runs, async () => {
      if (!method) {
        const { outputs } = model.forward(x);
        await outputs[0].data();
        tf.dispose(outputs);
        return;
      }
      await METHOD_TABLE[method]({
        model,
        input: x,
        score,
        layers: [layer],
        params: { ...DEFAULT_PARAMS, batchSize: batchSizeForMethod(model, x.shape, method), ...params },
      });
    });
  }
  const logits = tf.tidy(() => Array.from(model.forward(x).outputs[0].dataSync()).slice(0, 10));
  x.dispose();
  let peer: Record<string, number> & { logits?: number[]; threads?: number; torch?: string } = {};
  try {
    peer = JSON.parse(
      execFileSync('/usr/bin/python3', ['scripts/peer-bench.py', ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
  } catch {
    console.log('  PyTorch side skipped: /usr/bin/python3 with torch and torchvision is not available');
  }
  const names: Record<string, string> = {
    predict: 'predict',
    gradcam: 'Grad-CAM',
    ig: 'Integrated Gradients (50 steps)',
    occlusion: 'occlusion (window 32, stride 16)',
  };
  console.log(
    `  ${'operation'.padEnd(34)} ${'Model Lens wasm'.padStart(15)} ${peer.torch ? `PyTorch ${peer.torch} CPU (${peer.threads} threads)`.padStart(34) : ''}   ${peer.torch ? 'Model Lens / PyTorch' : ''}`,
  );
  for (const k of Object.keys(names)) {
    const p = peer[k];
    console.log(
      `  ${names[k].padEnd(34)} ${`${ours[k].toFixed(0)} ms`.padStart(15)} ${p ? `${p.toFixed(0)} ms`.padStart(34) : ''}   ${p ? `${(ours[k] / p).toFixed(2)}×` : ''}`,
    );
  }
  if (peer.logits) {
    const d = peer.logits.map((v, i) => v - logits[i]);
    const rel = Math.hypot(...d) / Math.hypot(...peer.logits);
    console.log(
      `  same model, same input: the first 10 logits differ by ‖Δ‖/‖·‖ = ${rel.toExponential(2)} (max |Δ| ${Math.max(...d.map(Math.abs)).toExponential(2)}, logits of size ${Math.max(...peer.logits.map(Math.abs)).toExponential(1)})`,
    );
  }
}
