import { InputError } from '../errors';
import type { InspectableModel, LayerInfo } from './types';

/** Layers with a 4-D output (batch, height, width, channels), in order: the candidates for CAM methods and the layer strip. */
export function camLayers(model: InspectableModel): string[] {
  return model.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name);
}

/**
 * What ends a convolution block, by each format's name for it (Keras classes, TensorFlow ops, ONNX ops):
 * a convolution, its normalisation and activation, and the merges of residual and Inception-style blocks.
 * Dropout, pooling, padding, reshapes, resizes and other pass-through layers are not among them.
 */
const BLOCK_OUTPUTS = new Set(
  [
    // Keras / TF.js layers
    'Conv2D',
    'DepthwiseConv2D',
    'SeparableConv2D',
    'Conv2DTranspose',
    'Activation',
    'ReLU',
    'LeakyReLU',
    'PReLU',
    'ELU',
    'ThresholdedReLU',
    'BatchNormalization',
    'LayerNormalization',
    'Add',
    'Concatenate',
    'Multiply',
    // TensorFlow graph ops
    'Conv2D',
    '_FusedConv2D',
    'DepthwiseConv2dNative',
    'FusedDepthwiseConv2dNative',
    'Conv2DBackpropInput',
    'BiasAdd',
    'FusedBatchNorm',
    'FusedBatchNormV3',
    'Relu',
    'Relu6',
    'Elu',
    'Selu',
    'LeakyRelu',
    'AddV2',
    'AddN',
    'ConcatV2',
    'Mul',
    // ONNX ops
    'Conv',
    'ConvTranspose',
    'BatchNormalization',
    'LeakyRelu',
    'PRelu',
    'Clip',
    'HardSwish',
    'HardSigmoid',
    'Sigmoid',
    'Sum',
    'Concat',
  ].map((t) => t.toLowerCase()),
);

const spatial = (l: LayerInfo): boolean => l.outputShape.length === 4 && !(l.outputShape[1] === 1 && l.outputShape[2] === 1);

/** Whether a layer's output ends a convolution block (BLOCK_OUTPUTS), judged by its type. */
export const endsConvBlock = (l: LayerInfo): boolean => BLOCK_OUTPUTS.has(l.type.toLowerCase());

/**
 * The default CAM layer: the output of the last convolution block — the last spatial 4-D output
 * (batch, height, width, channels; not 1×1) produced by a convolution, its normalisation or activation,
 * or a block merge (Add, Concatenate) — so that a trailing Dropout, MaxPool or Reshape is never chosen.
 * Without such a layer, the last spatial 4-D layer; then any 4-D layer.
 */
export function defaultCamLayer(model: InspectableModel): string {
  const fourD = model.layers.filter((l) => l.outputShape.length === 4);
  const pick = fourD.filter((l) => spatial(l) && endsConvBlock(l)).at(-1) ?? fourD.filter(spatial).at(-1) ?? fourD.at(-1);
  if (pick) return pick.name;
  throw new InputError(`${model.path}: no layer has a 4-D output, so CAM methods have nothing to map.`);
}
