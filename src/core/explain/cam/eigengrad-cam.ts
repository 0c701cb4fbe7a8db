import * as tf from '@tensorflow/tfjs-core';
import type { CamInputs, CamMethod } from './cam-method';
import { eigenCam } from './eigen-cam';

/** Eigen-CAM's projection of any [h, w, C] tensor (it is a map-kind CAM). */
const project = (inputs: CamInputs) => (eigenCam as Extract<CamMethod, { kind: 'map' }>).map(inputs);

/**
 * EigenGrad-CAM (pytorch-grad-cam's EigenGradCAM): Eigen-CAM's projection — the pixels' first
 * principal component, its sign chosen so that it correlates positively with the channel mean — of
 * G ⊙ A instead of A, which makes it class-specific. Unclipped (no ReLU), as Eigen-CAM.
 */
export const eigenGradCam: CamMethod = {
  kind: 'map',
  needsGradient: true,
  relu: false,
  map: async (inputs) => {
    const product = tf.mul(inputs.gradient!, inputs.activation) as tf.Tensor3D;
    try {
      return await project({ ...inputs, activation: product });
    } finally {
      product.dispose();
    }
  },
};
