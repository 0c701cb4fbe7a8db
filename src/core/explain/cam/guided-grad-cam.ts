import * as tf from '@tensorflow/tfjs-core';
import { guidedBackprop } from '../gradients/guided-backprop';
import type { Attribution, ExplainContext } from '../types';
import { gradCam } from './grad-cam';
import { runCam } from './run-cam';

/**
 * Guided Grad-CAM: Grad-CAM upsampled to the input × guided backpropagation; channels reduced by
 * max |·|. The grid is at the model input's resolution.
 */
export async function guidedGradCam(ctx: ExplainContext): Promise<Attribution> {
  const cam = await runCam(gradCam, ctx);
  const [, height, width] = ctx.input.shape;
  const values = tf.tidy(() => {
    const camUp = tf.image.resizeBilinear(tf.tensor4d(cam.grid.values, [1, cam.grid.height, cam.grid.width, 1]), [height, width], false, true);
    const guided = guidedBackprop(ctx.model, ctx.input, ctx.score);
    return tf.reshape(tf.mul(camUp, tf.max(tf.abs(guided), -1, true)), [height * width]).dataSync() as Float32Array;
  });
  return { grid: { width, height, values }, signed: false };
}
