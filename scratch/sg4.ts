import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/core/engine/backend';
import { relativeError } from '../test/helpers/assert-close';
(async () => {
  const res: any = {};
  for (const b of ['cpu', 'wasm'] as const) {
    await initEngine({ backend: b });
    const x = tf.randomUniform([1, 24, 24, 3], 0, 1, 'float32', 42) as tf.Tensor4D;
    const n = tf.randomNormal([1, 24, 24, 3], 0, 0.15, 'float32', 0);
    const w = tf.randomNormal([3, 3, 3, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
    const noisy = tf.add(x, n) as tf.Tensor4D;
    res[b] = { x: x.dataSync(), n: n.dataSync(), noisy: noisy.dataSync(), c: tf.conv2d(noisy, w, 2, 'same').dataSync(), c1: tf.conv2d(noisy, w, 1, 'same').dataSync(), cx: tf.conv2d(x, w, 2, 'same').dataSync() };
  }
  for (const k of Object.keys(res.cpu)) console.log(k, relativeError(res.wasm[k], res.cpu[k]));
})();
