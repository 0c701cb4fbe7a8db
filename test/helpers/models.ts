import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LayersInspectableModel } from '../../src/core/model/layers-model';

export const SIZE = 16;
/** The bright square: rows 10..13, columns 2..5 (off centre on purpose). */
export const SQUARE = { top: 10, left: 2, size: 4 };
export const DARK_BIAS = 0.05;

/**
 * A model with hand-set weights: 'detector' is a 3×3 conv with two channels — channel 0 fires where
 * the local mean exceeds 0.5 (the bright square), channel 1 where it is below 0.05 (dark ground) —
 * then global average pooling and a dense layer with a softmax: class 1 = 5·gap0 − gap1, class 0 = −5·gap0 + gap1.
 */
export function squareDetector(): LayersInspectableModel {
  const input = tfl.input({ shape: [SIZE, SIZE, 1], name: 'image' });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'detector' });
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' });
  const dense = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'classes' });
  const out = dense.apply(gap.apply(conv.apply(input))) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  const k = new Float32Array(9 * 2);
  for (let i = 0; i < 9; i++) {
    k[i * 2] = 1 / 9;
    k[i * 2 + 1] = -1 / 9;
  }
  conv.setWeights([tf.tensor4d(k, [3, 3, 1, 2]), tf.tensor1d([-0.5, DARK_BIAS])]);
  dense.setWeights([
    tf.tensor2d([
      [-5, 5],
      [1, -1],
    ]),
    tf.tensor1d([0, 0]),
  ]);
  return new LayersInspectableModel('square-detector', model);
}

export function squareImage(): tf.Tensor4D {
  const x = new Float32Array(SIZE * SIZE);
  for (let r = SQUARE.top; r < SQUARE.top + SQUARE.size; r++) for (let c = SQUARE.left; c < SQUARE.left + SQUARE.size; c++) x[r * SIZE + c] = 1;
  return tf.tensor4d(x, [1, SIZE, SIZE, 1]);
}

export function inSquare(index: number, width: number, height: number, margin = 1): boolean {
  const r = Math.floor(index / width) * (SIZE / height);
  const c = (index % width) * (SIZE / width);
  const { top, left, size } = SQUARE;
  return r >= top - margin && r < top + size + margin && c >= left - margin && c < left + size + margin;
}

/** Plain-JS forward of squareDetector: logits and the detector's activations (independent of TF.js). */
export function referenceDetector(x: Float32Array, ablate?: number): { logits: [number, number]; act: Float32Array } {
  const act = new Float32Array(SIZE * SIZE * 2);
  for (let r = 0; r < SIZE; r++) {
    for (let c = 0; c < SIZE; c++) {
      let s = 0;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr >= 0 && rr < SIZE && cc >= 0 && cc < SIZE) s += x[rr * SIZE + cc];
        }
      act[(r * SIZE + c) * 2] = Math.max(0, s / 9 - 0.5);
      act[(r * SIZE + c) * 2 + 1] = Math.max(0, -s / 9 + DARK_BIAS);
    }
  }
  if (ablate !== undefined) for (let p = 0; p < SIZE * SIZE; p++) act[p * 2 + ablate] = 0;
  let g0 = 0;
  let g1 = 0;
  for (let p = 0; p < SIZE * SIZE; p++) {
    g0 += act[p * 2];
    g1 += act[p * 2 + 1];
  }
  g0 /= SIZE * SIZE;
  g1 /= SIZE * SIZE;
  return { logits: [-5 * g0 + g1, 5 * g0 - g1], act };
}

/**
 * A small random CNN with the layer kinds of real vision models (conv, BN, ReLU6, depthwise conv,
 * residual add, pooling, dense softmax), for backend-agreement tests.
 */
export function randomCnn(size = 24, seed = 1): LayersInspectableModel {
  const init = (s: number) => tfl.initializers.glorotNormal({ seed: seed + s });
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(1), name: 'stem' })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .batchNormalization({
      name: 'stem_bn',
      betaInitializer: tfl.initializers.randomNormal({ seed: seed + 10 }),
      movingMeanInitializer: tfl.initializers.randomNormal({ seed: seed + 11 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6, name: 'stem_relu6' }).apply(x) as tfl.SymbolicTensor;
  const dw = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: init(2), name: 'dw' }).apply(x) as tfl.SymbolicTensor;
  const pw = tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', kernelInitializer: init(3), name: 'pw' }).apply(dw) as tfl.SymbolicTensor;
  const add = tfl.layers.add({ name: 'residual' }).apply([x, pw]) as tfl.SymbolicTensor;
  const conv2 = tfl.layers
    .conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(4), name: 'last_conv' })
    .apply(add) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv2) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: init(5), name: 'logits' }).apply(gap) as tfl.SymbolicTensor;
  return new LayersInspectableModel(`random-cnn-${seed}`, tfl.model({ inputs: input, outputs: out }));
}
