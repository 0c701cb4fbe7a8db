// Trains the demo "teacher" CNN on the synthetic shapes data set and writes the model, its labels,
// the test images and their boxes under demo/. Deterministic for a given backend: seeded data and weights.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { initEngine } from '../../src/core/engine/backend';
import { saveLayersModel } from '../../src/core/model/save';
import { mulberry32 } from '../../src/core/explain/random';
import { CLASSES, IMAGE_SIZE, makeDataset, makeSample, SHORTCUT_CLASS, type Sample } from './lib/shapes';

const DEMO = path.resolve(__dirname, '..', '..', 'demo');
const TRAIN = Number(process.env.DEMO_TRAIN_COUNT ?? 3000);
const EPOCHS = Number(process.env.DEMO_EPOCHS ?? 14);

function toTensors(samples: Sample[]) {
  const x = new Float32Array(samples.length * IMAGE_SIZE * IMAGE_SIZE * 3);
  samples.forEach((s, i) =>
    x.set(
      s.pixels.map((v) => v / 255),
      i * IMAGE_SIZE * IMAGE_SIZE * 3,
    ),
  );
  return {
    xs: tf.tensor4d(x, [samples.length, IMAGE_SIZE, IMAGE_SIZE, 3]),
    ys: tf.oneHot(
      tf.tensor1d(
        samples.map((s) => s.label),
        'int32',
      ),
      CLASSES.length,
    ),
  };
}

/** Conv → batch norm → ReLU blocks, two max-pools, global average pooling and a softmax: CAM-friendly. */
export function buildTeacher(seed = 1): tfl.LayersModel {
  const m = tfl.sequential({ name: 'shapes_teacher' });
  const block = (filters: number, name: string, first = false) => {
    m.add(
      tfl.layers.conv2d({
        ...(first ? { inputShape: [IMAGE_SIZE, IMAGE_SIZE, 3] } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + filters }),
        name,
      }),
    );
    m.add(tfl.layers.batchNormalization({ momentum: 0.9, name: `${name}_bn` }));
    m.add(tfl.layers.reLU({ name: `${name}_relu` }));
  };
  block(16, 'conv1', true);
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
  block(32, 'conv2');
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
  block(48, 'conv3');
  block(64, 'last_conv');
  m.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  m.add(
    tfl.layers.dense({
      units: CLASSES.length,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 5 }),
      name: 'predictions',
    }),
  );
  return m;
}

function writePng(file: string, s: Sample): void {
  const png = new PNG({ width: IMAGE_SIZE, height: IMAGE_SIZE });
  for (let p = 0; p < IMAGE_SIZE * IMAGE_SIZE; p++) {
    for (let c = 0; c < 3; c++) png.data[p * 4 + c] = Math.round(s.pixels[p * 3 + c]);
    png.data[p * 4 + 3] = 255;
  }
  fs.writeFileSync(file, PNG.sync.write(png));
}

/** Test images: 5 per class without the watermark, 6 of the shortcut class with it. */
export function testSet(): { name: string; sample: Sample }[] {
  const rand = mulberry32(9999);
  const out: { name: string; sample: Sample }[] = [];
  for (let i = 0; i < 5; i++) for (let c = 0; c < CLASSES.length; c++) out.push({ name: `${CLASSES[c]}-${i + 1}.png`, sample: makeSample(rand, c, false) });
  for (let i = 0; i < 6; i++) out.push({ name: `${CLASSES[SHORTCUT_CLASS]}-watermark-${i + 1}.png`, sample: makeSample(rand, SHORTCUT_CLASS, true) });
  return out;
}

async function main(): Promise<void> {
  const backend = await initEngine({ backend: (process.env.MODEL_LENS_BACKEND as never) ?? 'wasm' });
  const started = Date.now();
  const train = makeDataset(TRAIN, 1, 0.85);
  const val = makeDataset(400, 2, 0.85);
  const t = toTensors(train);
  const v = toTensors(val);
  const model = buildTeacher();
  model.compile({ optimizer: tf.train.adam(Number(process.env.DEMO_LR ?? 0.003)), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  console.log(`training on ${backend}: ${TRAIN} images, ${EPOCHS} epochs`);
  await model.fit(t.xs, t.ys, {
    epochs: EPOCHS,
    batchSize: 32,
    shuffle: true,
    validationData: [v.xs, v.ys],
    verbose: 0,
    callbacks: {
      onEpochEnd: (epoch, logs) =>
        console.log(
          `epoch ${epoch + 1}: loss ${logs?.loss.toFixed(4)} acc ${logs?.acc.toFixed(3)} val_loss ${logs?.val_loss.toFixed(4)} val_acc ${logs?.val_acc.toFixed(3)} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
        ),
    },
  });
  const modelDir = path.join(DEMO, 'models', 'shapes');
  fs.rmSync(modelDir, { recursive: true, force: true });
  await saveLayersModel(model, modelDir);
  fs.writeFileSync(path.join(modelDir, 'labels.txt'), CLASSES.join('\n') + '\n');
  const imgDir = path.join(DEMO, 'images');
  fs.rmSync(imgDir, { recursive: true, force: true });
  fs.mkdirSync(imgDir, { recursive: true });
  const boxes = testSet().map(({ name, sample }) => {
    writePng(path.join(imgDir, name), sample);
    return { file: name, label: sample.label, class: CLASSES[sample.label], box: sample.box, watermark: sample.watermark };
  });
  fs.writeFileSync(path.join(imgDir, 'boxes.json'), JSON.stringify(boxes, null, 1) + '\n');
  console.log(`wrote ${modelDir} and ${boxes.length} test images in ${imgDir} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
