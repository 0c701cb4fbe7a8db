import { test } from 'node:test';
import { encodeOnnx } from '../../helpers/onnx';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { initEngine } from '../../../src/core/engine/backend';
import { explainImage } from '../../../src/core/explain/explain-image';
import { describeScore, probabilities, scoreKind } from '../../../src/core/explain/scores';
import { mulberry32 } from '../../../src/core/explain/random';
import { DEFAULT_PREPROCESS } from '../../../src/core/image/preprocess';
import { LayersInspectableModel } from '../../../src/core/model/layers-model';
import { loadModel } from '../../../src/core/model/load';
import type { InspectableModel } from '../../../src/core/model/types';
import { graphWeights, GRAPH_SIZE, writeGraphModel, type GraphHead } from '../../helpers/graph-fixture';

const close = (a: number, b: number, tol = 1e-5, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);
/** The reference: softmax over logits, written out. */
const softmax = (z: number[]) => {
  const e = z.map((v) => Math.exp(v - Math.max(...z)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

test('score kinds from the last operation, else from the values; probabilities of each kind (hand-computed)', () => {
  assert.equal(scoreKind('softmax', [3, -1]), 'probability');
  assert.equal(scoreKind('sigmoid', [2.5]), 'probability');
  assert.equal(scoreKind('log-softmax', [-0.1, -2.4]), 'log-probability');
  // An unknown end: values that are a distribution, log-distribution, or neither.
  assert.equal(scoreKind('other', [0.2, 0.5, 0.3]), 'probability');
  assert.equal(scoreKind('other', [Math.log(0.2), Math.log(0.5), Math.log(0.3)]), 'log-probability');
  assert.equal(scoreKind('other', [0.2, 0.5, 0.31]), 'logit', 'sums to 1.01');
  assert.equal(scoreKind('other', [-137.6, -0.2]), 'logit');
  assert.equal(scoreKind('other', [5.093, -3.1, 0.2]), 'logit', "CNTK's 509.3 %");
  assert.equal(scoreKind('other', [0.4]), 'logit', 'one unit in [0, 1] proves nothing');
  // Probabilities: ln 2 → 0.5 and ln(1/4) → 0.25; logits [0, ln 3] → softmax [1/4, 3/4]; one logit 0 → sigmoid 1/2.
  assert.deepEqual([...probabilities('probability', [0.25, 0.75])], [0.25, 0.75]);
  const lp = probabilities('log-probability', [Math.log(0.5), Math.log(0.25)]);
  close(lp[0], 0.5, 1e-12);
  close(lp[1], 0.25, 1e-12);
  const sm = probabilities('logit', [0, Math.log(3)]);
  close(sm[0], 0.25, 1e-12);
  close(sm[1], 0.75, 1e-12);
  // Large logits do not overflow (max-subtracted).
  const big = probabilities('logit', [1000, 1000 - Math.log(3)]);
  close(big[0], 0.75, 1e-12);
  assert.deepEqual([...probabilities('logit', [0])], [0.5]);
  // Never a percentage of what is not a probability.
  assert.equal(describeScore('probability', 0.873, 0.873, 10), '87.3 %');
  assert.equal(describeScore('log-probability', -0.1358, 0.873, 10), 'log-probability −0.1358 (87.3 %)');
  assert.equal(describeScore('logit', 12.3142, 0.873, 10), 'logit 12.31 (softmax of logits 87.3 %)');
  assert.equal(describeScore('logit', -1374.8, 0.2, 1), 'logit −1375 (sigmoid of the logit 20.0 %)');
});

/** A 12×12 image of noise in 0..255. */
function noiseImage(size: number, seed = 5) {
  const rand = mulberry32(seed);
  return { width: size, height: size, data: Float32Array.from({ length: size * size * 3 }, () => 255 * rand()) };
}

async function explainTop(model: InspectableModel, size: number) {
  const before = tf.memory().numTensors;
  const r = await explainImage(model, noiseImage(size), { method: 'saliency', preprocess: DEFAULT_PREPROCESS, topK: 5 });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  return r;
}

test('score kinds of a graph model ending in Softmax, LogSoftmax, Sigmoid and nothing (logits): the probabilities agree', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-scores-graph-'));
  const w = graphWeights(7);
  const results = new Map<GraphHead, Awaited<ReturnType<typeof explainTop>>>();
  for (const head of ['none', 'Softmax', 'LogSoftmax', 'Sigmoid'] as GraphHead[]) {
    const model = await loadModel(writeGraphModel(path.join(dir, head), w, head));
    results.set(head, await explainTop(model, GRAPH_SIZE));
  }
  const logits = results.get('none')!;
  assert.equal(logits.scoreKind, 'logit');
  // The raw scores of the logit model are the logits; every other head is a function of them.
  const z: number[] = [];
  for (const p of logits.top) z[p.index] = p.score;
  const ref = softmax(z);
  for (const p of logits.top) close(p.probability, ref[p.index], 1e-6, 'softmax of logits');
  const sm = results.get('Softmax')!;
  assert.equal(sm.scoreKind, 'probability');
  for (const p of sm.top) close(p.probability, ref[p.index], 1e-5, 'softmax');
  const ls = results.get('LogSoftmax')!;
  assert.equal(ls.scoreKind, 'log-probability');
  for (const p of ls.top) {
    close(p.probability, ref[p.index], 1e-5, 'exp(log-softmax)');
    close(Math.exp(p.score), p.probability, 1e-12);
  }
  const sg = results.get('Sigmoid')!;
  assert.equal(sg.scoreKind, 'probability');
  for (const p of sg.top) close(p.probability, sigmoid(z[p.index]), 1e-5, 'sigmoid');
});

/** Flatten → Gemm → head, NCHW [1,3,8,8] → 5 classes, encoded as an exporter would. */
function onnxClassifier(head: string | undefined, seed = 11): Uint8Array {
  const rand = mulberry32(seed);
  const W = Array.from({ length: 5 * 192 }, () => (rand() * 2 - 1) / 4);
  const B = Array.from({ length: 5 }, () => rand() - 0.5);
  const nodes = [
    { input: ['x'], output: ['flat'], name: 'flatten', opType: 'Flatten', attribute: [{ name: 'axis', type: 2, i: 1 }] },
    { input: ['flat', 'W', 'B'], output: [head ? 'logits' : 'y'], name: 'fc', opType: 'Gemm', attribute: [{ name: 'transB', type: 2, i: 1 }] },
    ...(head ? [{ input: ['logits'], output: ['y'], name: 'head', opType: head, attribute: head === 'Sigmoid' ? [] : [{ name: 'axis', type: 2, i: 1 }] }] : []),
  ];
  return encodeOnnx(
    nodes,
    [
      { name: 'W', dims: [5, 192], dataType: 1, floatData: W },
      { name: 'B', dims: [5], dataType: 1, floatData: B },
    ],
    [1, 3, 8, 8],
  );
}

test('score kinds of ONNX models ending in Softmax, LogSoftmax, Sigmoid and Gemm (logits), against onnxruntime-web', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-scores-onnx-'));
  const write = (name: string, head?: string) => {
    const file = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(file, onnxClassifier(head));
    return file;
  };
  // The reference logits: onnxruntime-web on the same image as Model Lens feeds it (0..1, NCHW).
  const img = noiseImage(8);
  const nchw = new Float32Array(192);
  for (let i = 0; i < 64; i++) for (let c = 0; c < 3; c++) nchw[c * 64 + i] = img.data[i * 3 + c] / 255;
  const session = await ort.InferenceSession.create(onnxClassifier(undefined));
  const z = [...((await session.run({ x: new ort.Tensor('float32', nchw, [1, 3, 8, 8]) })).y.data as Float32Array)];
  const ref = softmax(z);
  const expect: [string, string | undefined, string, (i: number) => number][] = [
    ['logits', undefined, 'logit', (i) => ref[i]],
    ['softmax', 'Softmax', 'probability', (i) => ref[i]],
    ['logsoftmax', 'LogSoftmax', 'log-probability', (i) => ref[i]],
    ['sigmoid', 'Sigmoid', 'probability', (i) => sigmoid(z[i])],
  ];
  for (const [name, head, kind, probability] of expect) {
    const r = await explainTop(await loadModel(write(name, head)), 8);
    assert.equal(r.scoreKind, kind, name);
    assert.equal(r.units, 5);
    for (const p of r.top) close(p.probability, probability(p.index), 1e-5, `${name} class ${p.index}`);
  }
});

test('score kinds of TF.js layers models (as Keras files load) ending in softmax, sigmoid and linear', async () => {
  await initEngine({ backend: 'cpu' });
  const make = (activation: 'softmax' | 'sigmoid' | 'linear') => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [6, 6, 3],
          filters: 2,
          kernelSize: 3,
          activation: 'relu',
          name: 'conv',
          kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4, activation, name: 'fc', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    return new LayersInspectableModel(`${activation}.json`, m);
  };
  const linear = await explainTop(make('linear'), 6);
  assert.equal(linear.scoreKind, 'logit');
  const z: number[] = [];
  for (const p of linear.top) z[p.index] = p.score;
  assert.equal(linear.top.length, 4, 'every unit listed');
  const softmaxModel = await explainTop(make('softmax'), 6);
  assert.equal(softmaxModel.scoreKind, 'probability');
  const sigmoidModel = await explainTop(make('sigmoid'), 6);
  assert.equal(sigmoidModel.scoreKind, 'probability');
  for (const p of sigmoidModel.top) close(p.probability, sigmoid(z[p.index]), 1e-5, 'sigmoid of the same logits');
  // The same weights (seeded initialisers): the softmax model's probabilities are the softmax of the linear model's logits.
  for (const p of softmaxModel.top) close(p.probability, softmax(z)[p.index], 1e-5, 'softmax');
  for (const p of linear.top) close(p.probability, softmax(z)[p.index], 1e-6, 'softmax of logits');
});

test('score kinds of Keras files (Keras 2 .h5 and Keras 3 .h5 ending in softmax, a Keras 3 .keras ending in a linear Dense)', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = path.join(import.meta.dirname, '..', '..', 'fixtures', 'keras');
  for (const [file, kind] of [
    ['keras2-sequential.h5', 'probability'],
    ['keras3-legacy.h5', 'probability'],
    ['keras3-functional.keras', 'logit'],
  ] as const) {
    const model = await loadModel(path.join(dir, file));
    const size = model.inputs[0].shape[1] ?? 12;
    const r = await explainTop(model, size);
    assert.equal(r.scoreKind, kind, file);
    const sum = r.top.reduce((a, p) => a + p.probability, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `${file}: the probabilities of every class sum to 1 (${sum})`);
  }
});
