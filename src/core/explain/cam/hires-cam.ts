import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './cam-method';

/** HiResCAM: map = ReLU(Σ_c G ⊙ A), element-wise, no pooling. */
export const hiResCam: CamMethod = {
  kind: 'map',
  needsGradient: true,
  relu: true,
  map: ({ activation, gradient }) => tf.tidy(() => tf.sum(tf.mul(gradient!, activation), -1) as tf.Tensor2D),
};
