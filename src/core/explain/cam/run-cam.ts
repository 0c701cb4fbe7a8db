import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../../errors';
import type { Attribution, ExplainContext } from '../types';
import { weightedSum, type CamMethod } from './cam-method';

/**
 * One layer's map, [h, w], after the method's ReLU. `given` is the layer's activation and gradient
 * when the caller computed them already (several layers in one pass); camForLayer disposes them.
 */
export async function camForLayer(
  method: CamMethod,
  ctx: ExplainContext,
  layer: string,
  given?: { activation: tf.Tensor; gradient: tf.Tensor },
): Promise<tf.Tensor2D> {
  let activation: tf.Tensor;
  let gradient: tf.Tensor | undefined;
  if (given) {
    ({ activation, gradient } = given);
  } else if (method.needsGradient) {
    ({ activation, gradient } = ctx.model.layerGradient(ctx.input, layer, ctx.score));
  } else {
    const { outputs, taps } = ctx.model.forward(ctx.input, { taps: [layer] });
    tf.dispose(outputs);
    activation = taps[0];
  }
  try {
    if (activation.rank !== 4) {
      throw new Error(
        `Layer "${layer}" has a ${activation.rank}-D output [${activation.shape.join(', ')}]; CAM methods need a 4-D (batch, height, width, channels) layer.`,
      );
    }
    const a3 = tf.squeeze(activation, [0]) as tf.Tensor3D;
    const g3 = gradient ? (tf.squeeze(gradient, [0]) as tf.Tensor3D) : undefined;
    try {
      const inputs = { activation: a3, gradient: g3, layer, ctx };
      if (method.kind === 'weights') {
        const w = await method.weights(inputs);
        const map = tf.tidy(() => tf.relu(weightedSum(a3, w)) as tf.Tensor2D);
        w.dispose();
        return map;
      }
      const raw = await method.map(inputs);
      if (!method.relu) return raw;
      const map = tf.relu(raw) as tf.Tensor2D;
      raw.dispose();
      return map;
    } finally {
      tf.dispose([a3, g3 as tf.Tensor]);
    }
  } finally {
    tf.dispose([activation, gradient as tf.Tensor]);
  }
}

/**
 * The CAM pipeline: one layer → the map at the layer's resolution; several layers → each map
 * resized (bilinear, half-pixel) to the model input and averaged.
 */
export async function runCam(method: CamMethod, ctx: ExplainContext): Promise<Attribution> {
  const maps: tf.Tensor2D[] = [];
  try {
    for (const layer of ctx.layers) {
      throwIfAborted(ctx.signal);
      maps.push(await camForLayer(method, ctx, layer));
      ctx.onProgress?.(maps.length, ctx.layers.length);
    }
    if (maps.length === 1) {
      const [height, width] = maps[0].shape;
      return { grid: { width, height, values: maps[0].dataSync() as Float32Array }, signed: false };
    }
    const [, height, width] = ctx.input.shape;
    const values = tf.tidy(() => {
      const resized = maps.map((m) => tf.image.resizeBilinear(tf.reshape(m, [1, m.shape[0], m.shape[1], 1]) as tf.Tensor4D, [height, width], false, true));
      return tf.reshape(tf.mean(tf.stack(resized), 0), [height * width]).dataSync() as Float32Array;
    });
    return { grid: { width, height, values }, signed: false };
  } finally {
    tf.dispose(maps);
  }
}
