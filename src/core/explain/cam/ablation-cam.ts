import * as tf from '@tensorflow/tfjs-core';
import { mapBatched, tileInput } from '../batching';
import type { CamMethod } from './cam-method';

/** Ablation-CAM (gradient-free): zero channel c of A (one channel per batch row); w_c = (y − y_c) / y. */
export const ablationCam: CamMethod = {
  kind: 'weights',
  needsGradient: false,
  weights: async ({ activation, layer, ctx }) => {
    const channels = activation.shape[2];
    const run = (a: tf.Tensor4D) =>
      tf.tidy(() => {
        const x = tileInput(ctx.input, a.shape[0]);
        return ctx.score(ctx.model.forward(x, { feeds: new Map([[layer, a]]) }).outputs).dataSync() as Float32Array;
      });
    const y = tf.tidy(() => run(tf.expandDims(activation, 0) as tf.Tensor4D))[0];
    const ablated = await mapBatched(ctx, channels, (start, count) =>
      tf.tidy(() => {
        const keep = tf.sub(1, tf.oneHot(tf.range(start, start + count, 1, 'int32'), channels)); // [count, C]
        const batch = tf.mul(tf.expandDims(activation, 0), tf.reshape(keep, [count, 1, 1, channels])) as tf.Tensor4D;
        return run(batch);
      }),
    );
    return tf.tensor1d(Array.from(ablated, (yc) => (y - yc) / y));
  },
};
