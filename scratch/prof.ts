import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/core/engine/backend';
import { inputGradient } from '../src/core/model/gradient';
import { unitScore } from '../src/core/explain/target';
import { mobileNetV2 } from '../bench/lib/mobilenet-v2';
(async () => {
  await initEngine({ backend: 'wasm' });
  const m = mobileNetV2();
  const x = tf.randomUniform([3, 224, 224, 3]) as tf.Tensor4D;
  tf.dispose(inputGradient(m, x, unitScore(0, 1)));
  const t = Date.now();
  const prof = await tf.profile(() => inputGradient(m, x, unitScore(0, 1)) as tf.Tensor);
  console.log('total', Date.now() - t);
  const by: Record<string, number> = {};
  for (const k of prof.kernels) by[k.name] = (by[k.name] ?? 0) + (k.kernelTimeMs as number);
  console.log(Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 12));
})();
