import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './cam-method';

/** XGrad-CAM: w_c = Σ_ij G·A / (Σ_ij A + 1e-7). */
export const xGradCam: CamMethod = {
  kind: 'weights',
  needsGradient: true,
  weights: ({ activation, gradient }) =>
    tf.tidy(() => tf.div(tf.sum(tf.mul(gradient!, activation), [0, 1]), tf.add(tf.sum(activation, [0, 1]), 1e-7)) as tf.Tensor1D),
};
