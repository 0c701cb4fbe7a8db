import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/core/engine/backend';
(async () => {
  for (const b of ['cpu', 'wasm'] as const) {
    await initEngine({ backend: b });
    const n = tf.randomNormal([2, 3], 0, 1, 'float32', 5).dataSync();
    const u = tf.randomUniform([2, 3], 0, 1, 'float32', 5).dataSync();
    console.log(b, Array.from(n).map(v => v.toFixed(4)).join(' '), Array.from(u).map(v => v.toFixed(4)).join(' '));
  }
})();
