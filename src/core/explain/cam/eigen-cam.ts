import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './cam-method';

const ITERATIONS = 200;

/**
 * Eigen-CAM: projection of the centred (HW×C) activations on their first principal direction,
 * found by power iteration on the C×C scatter matrix (TF.js has no SVD); the sign is chosen so
 * that the projection correlates positively with the channel-mean of A. Not class-specific.
 */
export const eigenCam: CamMethod = {
  kind: 'map',
  needsGradient: false,
  relu: false,
  map: ({ activation }) =>
    tf.tidy(() => {
      const [h, w, c] = activation.shape;
      const flat = tf.reshape(activation, [h * w, c]) as tf.Tensor2D;
      const centred = tf.sub(flat, tf.mean(flat, 0, true)) as tf.Tensor2D;
      const scatter = tf.matMul(centred, centred, true, false);
      let v = tf.div(tf.ones([c, 1]), Math.sqrt(c)) as tf.Tensor2D;
      for (let i = 0; i < ITERATIONS; i++) {
        const next = tf.matMul(scatter, v);
        const norm = tf.norm(next);
        const nv = tf.div(next, tf.maximum(norm, 1e-30)) as tf.Tensor2D;
        tf.dispose([v, next, norm]);
        v = tf.keep(nv);
      }
      const projection = tf.reshape(tf.matMul(centred, v), [h * w]);
      tf.dispose(v);
      const channelMean = tf.mean(flat, 1);
      const corr = tf.sum(tf.mul(tf.sub(projection, tf.mean(projection)), tf.sub(channelMean, tf.mean(channelMean)))).dataSync()[0];
      return tf.reshape(corr < 0 ? tf.neg(projection) : projection, [h, w]) as tf.Tensor2D;
    }),
};
