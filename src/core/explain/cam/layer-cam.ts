import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './cam-method';

/** LayerCAM: map = Σ_c ReLU(G) ⊙ A. */
export const layerCam: CamMethod = {
  kind: 'map',
  needsGradient: true,
  relu: false,
  map: ({ activation, gradient }) => tf.tidy(() => tf.sum(tf.mul(tf.relu(gradient!), activation), -1) as tf.Tensor2D),
};
