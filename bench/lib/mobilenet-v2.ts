import * as tfl from '@tensorflow/tfjs-layers';
import { LayersInspectableModel } from '../../src/core/model/layers-model';

/**
 * MobileNetV2 (alpha 1.0, 224×224, 1000 classes) built in code with random, seeded weights:
 * the shape of the network matters for timing, not its weights.
 */
export function mobileNetV2(size = 224, seed = 1): LayersInspectableModel {
  return new LayersInspectableModel('mobilenet_v2 (random weights)', mobileNetV2Layers(size, seed));
}

/** The same network as a plain TF.js layers model (to save it, for instance). */
export function mobileNetV2Layers(size = 224, seed = 1): tfl.LayersModel {
  let k = 0;
  const init = () => tfl.initializers.heNormal({ seed: seed + k++ });
  // He scaling over one channel's 3×3 window: heNormal counts every input channel in a depthwise
  // kernel's fan-in and makes activations vanish after a few blocks.
  const dwInit = () => tfl.initializers.randomNormal({ stddev: Math.sqrt(2 / 9), seed: seed + k++ });
  const convBnRelu = (x: tfl.SymbolicTensor, filters: number, kernel: number, stride: number, name: string, relu = true) => {
    let y = tfl.layers
      .conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: init(), name })
      .apply(x) as tfl.SymbolicTensor;
    y = tfl.layers.batchNormalization({ name: `${name}_BN` }).apply(y) as tfl.SymbolicTensor;
    return relu ? (tfl.layers.reLU({ maxValue: 6, name: `${name}_relu` }).apply(y) as tfl.SymbolicTensor) : y;
  };
  const input = tfl.input({ shape: [size, size, 3], name: 'input_1' });
  let x = convBnRelu(input, 32, 3, 2, 'Conv1');
  let inChannels = 32;
  let block = 0;
  const settings: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const prefix = block === 0 ? 'expanded_conv' : `block_${block}`;
      let y = x;
      if (t !== 1) y = convBnRelu(y, inChannels * t, 1, 1, `${prefix}_expand`);
      y = tfl.layers
        .depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: dwInit(), name: `${prefix}_depthwise` })
        .apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.batchNormalization({ name: `${prefix}_depthwise_BN` }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.reLU({ maxValue: 6, name: `${prefix}_depthwise_relu` }).apply(y) as tfl.SymbolicTensor;
      y = convBnRelu(y, c, 1, 1, `${prefix}_project`, false);
      if (stride === 1 && inChannels === c) y = tfl.layers.add({ name: `${prefix}_add` }).apply([x, y]) as tfl.SymbolicTensor;
      x = y;
      inChannels = c;
      block++;
    }
  }
  x = convBnRelu(x, 1280, 1, 1, 'Conv_1');
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 1000, activation: 'softmax', kernelInitializer: init(), name: 'predictions' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'mobilenet_v2' });
}
