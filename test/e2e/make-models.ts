// Models the end-to-end tests and the host benchmark need beyond the committed demo, written at run
// time into the folder given: `mobilenet-v2/` (MobileNetV2 shape, dozens of 4-D layers, random weights)
// and `two-heads/` (one image in, two classifier outputs, for the output picker).
// Usage: node --import tsx test/e2e/make-models.ts <dir>
import * as tfl from '@tensorflow/tfjs-layers';

import * as path from 'node:path';
import { mobileNetV2Layers } from '../../bench/lib/mobilenet-v2';
import { initEngine } from '../../src/core/engine/backend';
import { saveLayersModel } from '../../src/core/model/save';

function twoHeads(): tfl.LayersModel {
  const init = (s: number) => tfl.initializers.glorotNormal({ seed: s });
  const input = tfl.input({ shape: [32, 32, 3], name: 'image' });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv_a' })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv_b' })
    .apply(x) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const shape = tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(3), name: 'shape' }).apply(gap) as tfl.SymbolicTensor;
  const colour = tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4), name: 'colour' }).apply(gap) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: [shape, colour] });
}

async function main(dir: string | undefined): Promise<void> {
  if (!dir) throw new Error('usage: make-models.ts <dir>');
  await initEngine({ backend: 'cpu' });
  await saveLayersModel(mobileNetV2Layers(), path.join(dir, 'mobilenet-v2'));
  await saveLayersModel(twoHeads(), path.join(dir, 'two-heads'));
  console.log(`wrote ${dir}/mobilenet-v2 and ${dir}/two-heads`);
}

void main(process.argv[2]);
