import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/core/engine/backend';
import { inputGradient } from '../src/core/explain/layer-gradient';
import { unitScore } from '../src/core/explain/target';
import { randomCnn } from '../test/helpers/models';
import { relativeError } from '../test/helpers/assert-close';
(async () => {
  const res: any = {};
  for (const b of ['cpu', 'wasm'] as const) {
    await initEngine({ backend: b });
    const model = randomCnn(24, 7);
    const x = tf.randomUniform([1, 24, 24, 3], 0, 1, 'float32', 42) as tf.Tensor4D;
    const noisy = tf.add(x, tf.randomNormal([6, 24, 24, 3], 0, 0.15, 'float32', 0));
    const single = tf.concat([0,1,2,3,4,5].map(i => inputGradient(model, tf.slice(noisy, [i,0,0,0],[1,-1,-1,-1]), unitScore(0, 2))));
    res[b] = { batch: inputGradient(model, noisy, unitScore(0, 2)).dataSync(), single: single.dataSync(), out: model.forward(noisy).outputs[0].dataSync() };
  }
  console.log('batch', relativeError(res.wasm.batch, res.cpu.batch), 'single', relativeError(res.wasm.single, res.cpu.single), 'cpu b/s', relativeError(res.cpu.batch, res.cpu.single), 'wasm b/s', relativeError(res.wasm.batch, res.wasm.single), 'out', relativeError(res.wasm.out, res.cpu.out));
})();
