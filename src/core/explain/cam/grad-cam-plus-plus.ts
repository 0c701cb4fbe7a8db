import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './cam-method';

/** Grad-CAM++: α = G² / (2G² + (Σ_ab A)·G³ + 1e-7), α = 0 where G = 0; w_c = Σ_ij α·ReLU(G). */
export const gradCamPlusPlus: CamMethod = {
  kind: 'weights',
  needsGradient: true,
  weights: ({ activation, gradient }) =>
    tf.tidy(() => {
      const g = gradient!;
      const g2 = tf.square(g);
      const g3 = tf.mul(g2, g);
      const sumA = tf.sum(activation, [0, 1]);
      const alpha = tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(sumA, g3)), 1e-7));
      const safe = tf.where(tf.equal(g, 0), tf.zerosLike(alpha), alpha);
      return tf.sum(tf.mul(safe, tf.relu(g)), [0, 1]) as tf.Tensor1D;
    }),
};
