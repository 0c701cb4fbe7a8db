import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/core/engine/backend';
import { randomCnn } from '../test/helpers/models';
import { relativeError } from '../test/helpers/assert-close';
(async () => {
  const res: any = {};
  const layers = ['stem', 'stem_bn', 'stem_relu6', 'dw', 'pw', 'residual', 'last_conv', 'gap'];
  for (const b of ['cpu', 'wasm'] as const) {
    await initEngine({ backend: b });
    const model = randomCnn(24, 7);
    const x = tf.randomUniform([1, 24, 24, 3], 0, 1, 'float32', 42) as tf.Tensor4D;
    const noisy = tf.add(x, tf.randomNormal([1, 24, 24, 3], 0, 0.15, 'float32', 0));
    res[b] = model.forward(noisy, { taps: layers }).taps.map(t => t.dataSync());
  }
  layers.forEach((l, i) => console.log(l, relativeError(res.wasm[i], res.cpu[i])));
})();
