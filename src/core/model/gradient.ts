import * as tf from '@tensorflow/tfjs-core';
import type { InspectableModel, ScoreFn } from './types';

/**
 * Activation A of `layer` for input x and G = ∂score/∂A (the model split at the layer: A is fed in,
 * branches that bypass the layer are computed from x). Both [B, h, w, C]; the caller owns them.
 */
export function layerActivationAndGradient(
  model: InspectableModel,
  x: tf.Tensor,
  layer: string,
  score: ScoreFn,
): { activation: tf.Tensor; gradient: tf.Tensor } {
  const { outputs, taps } = model.forward(x, { taps: [layer] });
  tf.dispose(outputs);
  const activation = taps[0];
  const gradient = tf.grad((a: tf.Tensor) => tf.sum(score(model.forward(x, { feeds: new Map([[layer, a]]) }).outputs)))(activation);
  return { activation, gradient };
}

/** ∂score/∂x, [B, H, W, C]. */
export function inputGradient(model: InspectableModel, x: tf.Tensor, score: ScoreFn): tf.Tensor {
  return tf.grad((input: tf.Tensor) => tf.sum(score(model.forward(input).outputs)))(x);
}
