import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Writes a TF.js layers model shaped like MobileNetV2 at 224×224 — a strided stem, then inverted
 * residual blocks (1×1 expand, 3×3 depthwise, 1×1 project, residual add at stride 1) down to 7×7,
 * global pooling and a softmax head — narrower than the real one (seeded weights, about 60 k
 * parameters), so that a forward pass costs what a realistic model's does in spatial size.
 */
export async function writeMobileNetShaped(dir: string, classes = 10): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  let seed = 1;
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const input = tfl.input({ shape: [224, 224, 3], name: 'image' });
  let x = tfl.layers
    .conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', name: 'stem', kernelInitializer: init() })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6, name: 'stem_relu' }).apply(x) as tfl.SymbolicTensor;
  const stages: [number, number, number][] = [
    [24, 2, 2],
    [32, 2, 2],
    [64, 2, 2],
    [96, 2, 1],
  ];
  let channels = 16;
  let block = 0;
  for (const [out, stride, repeat] of stages) {
    for (let r = 0; r < repeat; r++) {
      const s = r === 0 ? stride : 1;
      const name = `block_${block++}`;
      let y = tfl.layers.conv2d({ filters: channels * 4, kernelSize: 1, name: `${name}_expand`, kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
      y = tfl.layers.reLU({ maxValue: 6, name: `${name}_expand_relu` }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers
        .depthwiseConv2d({ kernelSize: 3, strides: s, padding: 'same', name: `${name}_depthwise`, depthwiseInitializer: init() })
        .apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.reLU({ maxValue: 6, name: `${name}_depthwise_relu` }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.conv2d({ filters: out, kernelSize: 1, name: `${name}_project`, kernelInitializer: init() }).apply(y) as tfl.SymbolicTensor;
      x = s === 1 && channels === out ? (tfl.layers.add({ name: `${name}_add` }).apply([x, y]) as tfl.SymbolicTensor) : y;
      channels = out;
    }
  }
  x = tfl.layers.conv2d({ filters: 128, kernelSize: 1, name: 'out_conv', kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6, name: 'out_relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: classes, activation: 'softmax', name: 'predictions', kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  const file = path.join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      fs.writeFileSync(
        file,
        JSON.stringify({
          format: 'layers-model',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return file;
}
