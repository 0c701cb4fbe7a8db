import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './cam-method';

/**
 * Element-wise Grad-CAM (pytorch-grad-cam's GradCAMElementWise): map = Σ_c ReLU(G_c ⊙ A_c). Unlike
 * HiResCAM (ReLU after the sum), a channel's negative evidence at a pixel cannot cancel another's
 * positive evidence there.
 */
export const gradCamElementwise: CamMethod = {
  kind: 'map',
  needsGradient: true,
  relu: false,
  map: ({ activation, gradient }) => tf.tidy(() => tf.sum(tf.relu(tf.mul(gradient!, activation)), -1) as tf.Tensor2D),
};
