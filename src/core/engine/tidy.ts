import * as tf from '@tensorflow/tfjs-core';

/** tf.tidy for a function returning plain values (numbers, typed arrays, objects of them): every tensor made inside is freed. */
export function tidyValue<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
