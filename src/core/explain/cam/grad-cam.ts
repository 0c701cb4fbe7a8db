import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './cam-method';

/** Grad-CAM: w_c = mean_ij G_ijc. */
export const gradCam: CamMethod = {
  kind: 'weights',
  needsGradient: true,
  weights: ({ gradient }) => tf.mean(gradient!, [0, 1]) as tf.Tensor1D,
};
