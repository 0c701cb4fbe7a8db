import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/core/engine/backend';
import { relativeError } from '../test/helpers/assert-close';
(async () => {
  const cases: [number[], number[], number, any, number][] = [
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same', 1], [[2, 9, 9, 3], [3, 3, 3, 4], 2, 'same', 1], [[1, 10, 7, 2], [3, 2, 2, 5], 2, 'valid', 1],
    [[1, 8, 8, 3], [5, 5, 3, 2], 3, 'same', 1], [[32, 64, 64, 16], [3, 3, 16, 32], 1, 'same', 1]];
  for (const [xs, fs, s, pad, d] of cases) {
    const res: any = {};
    for (const b of ['cpu', 'wasm'] as const) {
      await initEngine({ backend: b });
      const x = tf.randomUniform(xs, -1, 1, 'float32', 1) as tf.Tensor4D;
      const f = tf.randomUniform(fs, -1, 1, 'float32', 2) as tf.Tensor4D;
      const t0 = Date.now();
      const g = tf.grad((ff: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, ff as tf.Tensor4D, s, pad, 'NHWC', d))))(f);
      res[b] = g.dataSync(); res[b + 't'] = Date.now() - t0;
    }
    console.log(xs, fs, s, pad, d, relativeError(res.wasm, res.cpu), 'cpu ms', res.cput, 'wasm ms', res.wasmt);
  }
})();
