import { test } from 'node:test';
import { encodeOnnx } from '../../helpers/onnx';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../../src/core/engine/backend';
import { explainImage } from '../../../src/core/explain/explain-image';
import { mulberry32 } from '../../../src/core/explain/random';
import { inputNotes, toModelInput, type PreprocessSpec } from '../../../src/core/image/preprocess';
import { selfScaling } from '../../../src/core/model/input-scaling';
import { Normalization } from '../../../src/core/model/keras/normalization';
import { LayersInspectableModel } from '../../../src/core/model/layers-model';
import { loadModel } from '../../../src/core/model/load';
import { presetLayer, resolveModelSettings, resolvePreprocess } from '../../../src/core/model/model-config';
import type { InspectableModel } from '../../../src/core/model/types';

/** A "photo": 20×14 of smooth colour with noise, 0..255. */
function photo(w = 20, h = 14) {
  const rand = mulberry32(9);
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.min(255, ((x * 11 + y * 7 * (c + 1)) % 256) * 0.8 + 40 * rand());
  return { width: w, height: h, data };
}

async function explainWith(model: InspectableModel) {
  const resolved = resolvePreprocess(model, resolveModelSettings(model.path));
  const r = await explainImage(model, photo(), { method: 'gradcam', preprocess: resolved.spec });
  return { r, resolved };
}

function sameExplanation(a: Awaited<ReturnType<typeof explainImage>>, b: Awaited<ReturnType<typeof explainImage>>, what: string) {
  assert.equal(a.top[0].index, b.top[0].index, `${what}: the same top class`);
  assert.ok(Math.abs(a.top[0].probability - b.top[0].probability) < 1e-4, `${what}: the same score`);
  assert.deepEqual([a.grid.width, a.grid.height], [b.grid.width, b.grid.height]);
  let worst = 0;
  for (let i = 0; i < a.grid.values.length; i++) worst = Math.max(worst, Math.abs(a.grid.values[i] - b.grid.values[i]));
  const peak = Math.max(...b.grid.values);
  assert.ok(worst <= 1e-3 * Math.max(peak, 1e-6), `${what}: the same map (worst difference ${worst}, peak ${peak})`);
}

/** conv → relu → gap → dense, after an optional preprocessing layer, weights seeded by name. */
function classifier(pre?: tfl.layers.Layer): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3], name: 'image' });
  let x = pre ? (pre.apply(input) as tfl.SymbolicTensor) : input;
  x = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, name: 'conv', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: 3, activation: 'softmax', name: 'fc', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

test('a model that rescales its own input (Rescaling 1/255, Keras Normalization with mean 127.5) is fed 0..255 and explains a photo as the same model without that layer', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-scaling-'));
  const plain = new LayersInspectableModel(path.join(dir, 'plain.json'), classifier());
  assert.equal(plain.selfScaling, undefined);
  const base = await explainWith(plain);
  assert.equal(base.resolved.spec.scale, '0..1');
  assert.equal(base.resolved.sources.scale, 'default');

  const rescaling = new LayersInspectableModel(path.join(dir, 'rescaling.json'), classifier(tfl.layers.rescaling({ scale: 1 / 255, name: 'rescale' })));
  assert.equal(rescaling.selfScaling, 'its Rescaling layer "rescale" multiplies the input by 1/255');
  const scaled = await explainWith(rescaling);
  assert.equal(scaled.resolved.spec.scale, '0..255');
  assert.equal(scaled.resolved.sources.scale, 'model');
  sameExplanation(scaled.r, base.r, 'Rescaling');

  // Normalization: (x − 127.5) / 127.5 is the plain model fed −1..1.
  const norm = new LayersInspectableModel(
    path.join(dir, 'norm.json'),
    classifier(new Normalization({ name: 'normalize', mean: [127.5, 127.5, 127.5], variance: [127.5 ** 2, 127.5 ** 2, 127.5 ** 2] })),
  );
  assert.equal(norm.selfScaling, 'its Normalization layer "normalize" subtracts a mean of 127.5');
  const normalized = await explainWith(norm);
  assert.equal(normalized.resolved.spec.scale, '0..255');
  const inception = await explainImage(plain, photo(), { method: 'gradcam', preprocess: presetLayer('inception').values as never });
  sameExplanation(normalized.r, inception, 'Normalization');
  // An adapted Normalization keeps its mean and variance as weights.
  const adapted = new Normalization({ name: 'adapted' });
  const withWeights = classifier(adapted);
  adapted.setWeights([tf.tensor1d([120, 110, 100]), tf.tensor1d([900, 900, 900]), tf.scalar(10, 'int32')]);
  assert.equal(
    new LayersInspectableModel(path.join(dir, 'adapted.json'), withWeights).selfScaling,
    'its Normalization layer "adapted" subtracts a mean of 110',
  );
  // A Rescaling by 1/2 does not make a model take 0..255.
  assert.equal(new LayersInspectableModel(path.join(dir, 'half.json'), classifier(tfl.layers.rescaling({ scale: 0.5, name: 'half' }))).selfScaling, undefined);
});

/** [Div by 255 →] Conv → Relu → GlobalAveragePool → Flatten → Gemm → Softmax, NCHW 1×3×12×12. */
function onnxClassifier(divide: boolean): Uint8Array {
  const rand = mulberry32(21);
  const K = Array.from({ length: 4 * 3 * 3 * 3 }, () => rand() - 0.5);
  const W = Array.from({ length: 3 * 4 }, () => 2 * rand() - 1);
  const x = divide ? 'scaled' : 'x';
  const nodes = [
    ...(divide ? [{ input: ['x', 'k255'], output: ['scaled'], name: 'scale', opType: 'Div' }] : []),
    { input: [x, 'K'], output: ['conv'], name: 'conv', opType: 'Conv', attribute: [{ name: 'kernel_shape', type: 7, ints: [3, 3] }] },
    { input: ['conv'], output: ['relu'], name: 'relu', opType: 'Relu' },
    { input: ['relu'], output: ['gap'], name: 'gap', opType: 'GlobalAveragePool' },
    { input: ['gap'], output: ['flat'], name: 'flat', opType: 'Flatten' },
    { input: ['flat', 'W'], output: ['logits'], name: 'fc', opType: 'Gemm', attribute: [{ name: 'transB', type: 2, i: 1 }] },
    { input: ['logits'], output: ['y'], name: 'softmax', opType: 'Softmax' },
  ];
  return encodeOnnx(
    nodes,
    [
      { name: 'K', dims: [4, 3, 3, 3], dataType: 1, floatData: K },
      { name: 'W', dims: [3, 4], dataType: 1, floatData: W },
      ...(divide ? [{ name: 'k255', dims: [], dataType: 1, floatData: [255] }] : []),
    ],
    [1, 3, 12, 12],
  );
}

test('an ONNX graph that starts by dividing by 255 is fed 0..255 and explains as the graph without the Div fed 0..1; flags, presets and modellens.json come first', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-scaling-onnx-'));
  fs.writeFileSync(path.join(dir, 'divides.onnx'), onnxClassifier(true));
  fs.mkdirSync(path.join(dir, 'plain'));
  fs.writeFileSync(path.join(dir, 'plain', 'plain.onnx'), onnxClassifier(false));
  const divides = await loadModel(path.join(dir, 'divides.onnx'));
  assert.equal(divides.selfScaling, 'its first operation "scale" divides the input by 255');
  const a = await explainWith(divides);
  const b = await explainWith(await loadModel(path.join(dir, 'plain', 'plain.onnx')));
  assert.deepEqual([a.resolved.spec.scale, b.resolved.spec.scale], ['0..255', '0..1']);
  sameExplanation(a.r, b.r, 'ONNX Div');

  // The model is the lowest source: a preset, a flag and modellens.json each win over it.
  const settings = resolveModelSettings(divides.path);
  assert.equal(resolvePreprocess(divides, settings, [presetLayer('imagenet')]).sources.scale, 'preset imagenet');
  assert.equal(resolvePreprocess(divides, settings, [{ source: 'flag', values: { scale: '-1..1' } }]).spec.scale, '-1..1');
  fs.writeFileSync(path.join(dir, 'modellens.json'), JSON.stringify({ preprocess: { scale: '0..1', resize: 'letterbox' } }));
  const withJson = resolvePreprocess(divides, resolveModelSettings(divides.path));
  assert.equal(withJson.spec.scale, '0..1');
  assert.equal(withJson.sources.scale, path.join(dir, 'modellens.json'));
  assert.equal(withJson.sources.channelOrder, 'default');
  assert.equal(withJson.modelScaling, undefined);
});

test('the first-operation rule: Rescaling ≤ 1/100, Normalization mean > 2, Div ≥ 100, Mul ≤ 1/100', () => {
  assert.equal(selfScaling({ kind: 'Rescaling', name: 'r', value: 1 / 127.5 }), 'its Rescaling layer "r" multiplies the input by 1/127.5');
  assert.equal(selfScaling({ kind: 'Rescaling', name: 'r', value: 0.02 }), undefined);
  assert.equal(selfScaling({ kind: 'Mul', name: 'm', value: 0.00392156862745098 }), 'its first operation "m" multiplies the input by 1/255');
  assert.equal(selfScaling({ kind: 'Div', name: 'd', value: 99 }), undefined);
  assert.equal(selfScaling({ kind: 'Normalization', name: 'n', value: 2 }), undefined);
  assert.equal(selfScaling({ kind: 'Normalization', name: 'n', value: 0.485 }), undefined, 'ImageNet statistics on 0..1 input');
});

test('preprocessing notes, gray and invert: a stretched aspect ratio, gray conversion, inversion', async () => {
  await initEngine({ backend: 'cpu' });
  const img = { width: 373, height: 280 };
  const g = (mode: 'stretch' | 'letterbox') => ({
    imageWidth: 373,
    imageHeight: 280,
    inputWidth: 28,
    inputHeight: 28,
    mode,
    source: { x: 0, y: 0, width: 373, height: 280 },
    target: mode === 'stretch' ? { x: 0, y: 0, width: 28, height: 28 } : { x: 0, y: 4, width: 28, height: 21 },
  });
  assert.deepEqual(inputNotes(img, g('stretch'), 1, { scale: '0..1', channelOrder: 'rgb', resize: 'stretch' }), [
    'The 373×280 image was stretched to 28×28, changing its aspect ratio from 1.33 to 1.00 (resize: center-crop or letterbox keep it).',
    'The image was converted to gray: the model takes one channel.',
  ]);
  assert.deepEqual(inputNotes(img, g('letterbox'), 3, { scale: '0..1', channelOrder: 'rgb', resize: 'letterbox', color: 'gray', invert: true }), [
    'The image was converted to gray (color: gray).',
    'The image was inverted (255 − value) before scaling.',
  ]);
  // A gray picture (R = G = B) fed to a one-channel model loses nothing: no note.
  const grayPicture = { width: 2, height: 1, data: Float32Array.from([10, 10, 10, 200, 200, 200]) };
  const square = {
    ...g('stretch'),
    imageWidth: 2,
    imageHeight: 1,
    inputWidth: 2,
    inputHeight: 1,
    source: { x: 0, y: 0, width: 2, height: 1 },
    target: { x: 0, y: 0, width: 2, height: 1 },
  };
  assert.deepEqual(inputNotes(grayPicture, square, 1, { scale: '0..1', channelOrder: 'rgb', resize: 'stretch' }), []);
  // One pixel (R, G, B) = (255, 0, 0): gray 0.299·255; inverted first: (0, 255, 255) → 0.701·255.
  const red = { width: 1, height: 1, data: Float32Array.from([255, 0, 0]) };
  const one = (spec: object, channels: number) => {
    const m = toModelInput(red, [1, 1, 1, channels], { scale: '0..255', channelOrder: 'rgb', resize: 'stretch', ...spec }, 'm.json');
    const v = Array.from(m.tensor.dataSync());
    m.tensor.dispose();
    return v.map((x) => Number(x.toFixed(3)));
  };
  assert.deepEqual(one({}, 1), [76.245]);
  assert.deepEqual(one({ invert: true }, 1), [178.755]);
  assert.deepEqual(one({ color: 'gray' }, 3), [76.245, 76.245, 76.245]);
  assert.deepEqual(one({ invert: true }, 3), [0, 255, 255]);
  assert.throws(() => one({ color: 'rgb' }, 1), {
    message: 'm.json: color "rgb" needs a model with three input channels, and this one takes one (use auto or gray)',
  });
});

test('the model-input picture is drawn in the frame of what the model expects: the image when fed so, white when fed 0..255 for 0..1, black when divided twice', async () => {
  await initEngine({ backend: 'cpu' });
  const { inputPicture } = await import('../../../src/core/image/preprocess');
  const img = { width: 1, height: 1, data: Float32Array.from([200, 100, 50]) };
  const expected: PreprocessSpec = { scale: '0..1', channelOrder: 'rgb', resize: 'stretch' };
  const picture = (used: Partial<PreprocessSpec>, frame: PreprocessSpec = expected) => {
    const spec: PreprocessSpec = { ...expected, ...used };
    const m = toModelInput(img, [1, 1, 1, 3], spec, 'm.json');
    const p = inputPicture(m.tensor, spec, frame);
    m.tensor.dispose();
    return Array.from(p.rgba.slice(0, 3));
  };
  assert.deepEqual(picture({}), [200, 100, 50], 'fed as expected: the image');
  assert.deepEqual(picture({ scale: '0..255' }), [255, 255, 255], '255 times too bright: white');
  // Mean and std of the frame are undone; BGR input is drawn back in RGB order.
  const imagenet = {
    scale: '0..1' as const,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channelOrder: 'bgr' as const,
    resize: 'stretch' as const,
  };
  assert.deepEqual(picture(imagenet, imagenet), [200, 100, 50]);
  assert.deepEqual(picture({ scale: '-1..1' }, { ...expected, scale: '-1..1' }), [200, 100, 50]);
});
