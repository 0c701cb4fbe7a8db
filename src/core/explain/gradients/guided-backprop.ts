import * as tf from '@tensorflow/tfjs-core';
import { inputGradient } from '../../model/gradient';
import type { ScoreFn } from '../types';
import type { InspectableModel } from '../../model/types';

type GradConfig = tf.GradConfig;

const guidedRelu: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const d = dy as tf.Tensor;
    return { x: () => tf.mul(d, tf.mul(tf.step(x), tf.step(d))) };
  },
};

const guidedRelu6: GradConfig = {
  kernelName: 'Relu6',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const d = dy as tf.Tensor;
    const inside = tf.mul(tf.step(x), tf.cast(tf.less(x, 6), 'float32'));
    return { x: () => tf.mul(d, tf.mul(inside, tf.step(d))) };
  },
};

/**
 * Guided backpropagation: ∂score/∂x with ReLU gradients passed only where both the ReLU's input
 * and the incoming gradient are positive. Gradient functions are swapped for the call only (in
 * gradient mode TF.js unfuses conv+ReLU, so fused layers go through these too).
 */
export function guidedBackprop(model: InspectableModel, x: tf.Tensor, score: ScoreFn): tf.Tensor {
  const saved = [tf.getGradient('Relu'), tf.getGradient('Relu6')];
  tf.registerGradient(guidedRelu);
  tf.registerGradient(guidedRelu6);
  try {
    return inputGradient(model, x, score);
  } finally {
    for (const g of saved) if (g) tf.registerGradient(g);
  }
}
