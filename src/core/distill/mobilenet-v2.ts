import * as tfl from '@tensorflow/tfjs-layers';

/** Channels scaled by alpha and rounded to a multiple of 8, never below 90 % of the scaled value (Keras' _make_divisible). */
export function divisible(v: number, divisor = 8): number {
  const out = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  return out < 0.9 * v ? out + divisor : out;
}

export interface MobileNetV2Options {
  /** [H, W, C] */
  shape: [number, number, number];
  classes: number;
  /** Width multiplier (Keras' alpha). */
  alpha?: number;
  seed?: number;
  /** A final softmax (the classifier as Keras ships it) or logits (a student: the losses take logits). */
  softmax?: boolean;
}

/**
 * MobileNetV2 (Sandler et al. 2018) as Keras builds it — the same layer names, inverted residual blocks
 * with ReLU6, channels × alpha rounded to multiples of 8, the last 1×1 conv 1280 wide (more for alpha > 1)
 * — with seeded random weights, for any input size and number of classes.
 */
export function mobileNetV2Model(o: MobileNetV2Options): tfl.LayersModel {
  const alpha = o.alpha ?? 1;
  const seed = o.seed ?? 1;
  let k = 0;
  // Seeds from 1 up: TF.js takes a seed of 0 as "no seed".
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
  const input = tfl.input({ shape: o.shape, name: 'input_1' });
  let x = convBnRelu(input, divisible(32 * alpha), 3, 2, 'Conv1');
  let inChannels = divisible(32 * alpha);
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
  for (const [t, c0, n, s] of settings) {
    const c = divisible(c0 * alpha);
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
  x = convBnRelu(x, alpha > 1 ? divisible(1280 * alpha) : 1280, 1, 1, 'Conv_1');
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: o.classes, activation: o.softmax ? 'softmax' : 'linear', kernelInitializer: init(), name: 'predictions' })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'mobilenet_v2' });
}
