// The demo self-supervised encoder's architecture and its loss (a library: the training script, the
// evaluation and the benchmark import it).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { IMAGE_SIZE } from './shapes';

export const EMBEDDING_DIM = 32;

/** Conv → BN → ReLU blocks, global average pooling ("features"), then a two-layer projection head ("embedding"). */
export function buildEncoder(seed = 1): tfl.LayersModel {
  const input = tfl.input({ shape: [IMAGE_SIZE, IMAGE_SIZE, 3], name: 'image' });
  let k = 0;
  const init = () => tfl.initializers.heNormal({ seed: seed + k++ });
  const block = (x: tfl.SymbolicTensor, filters: number, name: string) => {
    let y = tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(), name }).apply(x) as tfl.SymbolicTensor;
    y = tfl.layers.batchNormalization({ momentum: 0.9, name: `${name}_bn` }).apply(y) as tfl.SymbolicTensor;
    return tfl.layers.reLU({ name: `${name}_relu` }).apply(y) as tfl.SymbolicTensor;
  };
  let x = block(input, 16, 'conv1');
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tfl.SymbolicTensor;
  x = block(x, 32, 'conv2');
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x) as tfl.SymbolicTensor;
  x = block(x, 48, 'conv3');
  x = block(x, 64, 'last_conv');
  const features = tfl.layers.globalAveragePooling2d({ name: 'features' }).apply(x) as tfl.SymbolicTensor;
  const hidden = tfl.layers
    .dense({ units: 64, activation: 'relu', kernelInitializer: init(), name: 'projection_hidden' })
    .apply(features) as tfl.SymbolicTensor;
  const embedding = tfl.layers.dense({ units: EMBEDDING_DIM, kernelInitializer: init(), name: 'embedding' }).apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: embedding, name: 'shapes_encoder' });
}

/** NT-Xent over 2B embeddings where rows i and i + B are the positive pairs. */
export function ntXent(z: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const n = z.shape[0];
    const b = n / 2;
    const unit = tf.div(z, tf.norm(z, 'euclidean', 1, true));
    const logits = tf.sub(tf.div(tf.matMul(unit, unit, false, true), temperature), tf.mul(tf.eye(n), 1e9));
    const positives = tf.concat([tf.range(b, n, 1, 'int32'), tf.range(0, b, 1, 'int32')]);
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(positives, n)), 1))) as tf.Scalar;
  });
}
