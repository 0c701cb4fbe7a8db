import * as tf from '@tensorflow/tfjs-core';
import type { ExplainContext } from '../types';

/** What a CAM method sees for one layer: A and G are [h, w, C] for the one input image. */
export interface CamInputs {
  activation: tf.Tensor3D;
  gradient?: tf.Tensor3D;
  layer: string;
  ctx: ExplainContext;
}

/**
 * One CAM variant (pytorch-grad-cam's shape): the pipeline owns activations, gradients, layers,
 * resizing and averaging; a method only computes its channel weights — then map = ReLU(Σ_c w_c A_c) —
 * or, for the element-wise ones, its map.
 */
export type CamMethod =
  | { kind: 'weights'; needsGradient: boolean; weights(inputs: CamInputs): tf.Tensor1D | Promise<tf.Tensor1D> }
  | { kind: 'map'; needsGradient: boolean; relu: boolean; map(inputs: CamInputs): tf.Tensor2D | Promise<tf.Tensor2D> };

/** Σ_c w_c A_c → [h, w]. */
export function weightedSum(activation: tf.Tensor3D, weights: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(activation, weights), -1) as tf.Tensor2D);
}
