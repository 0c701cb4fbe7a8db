import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../../src/core/engine/backend';
import { lrpRelevance, type LrpOptions } from '../../../src/core/explain/lrp/lrp';
import { unitScore } from '../../../src/core/explain/target';
import { LayersInspectableModel } from '../../../src/core/model/layers-model';
import type { InspectableModel } from '../../../src/core/model/types';
import { disposeLrpGraph, LRP_LAYERS } from '../../../src/core/model/lrp-graph';
import { assertAllClose } from '../../helpers/assert-close';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readImage } from '../../../src/core/image/decode';
import { toModelInput } from '../../../src/core/image/preprocess';
import { loadModel } from '../../../src/core/model/load';

const REPO = path.resolve(__dirname, '..', '..', '..');

// Hand-computed relevances (the arithmetic is in the comments) of a tiny dense and a tiny conv network, per
// rule; conservation on a bias-free network; batch norm folding; the refusal of a layer LRP cannot handle.

const opts = (o: Partial<LrpOptions>): LrpOptions => ({ rule: 'composite', epsilon: 1e-9, alpha: 2, beta: 1, ...o });

/** x = [1, 2] → dense W1 = [[1, −1], [2, 1]] → ReLU → dense W2 = [[1, 0], [−2, 1]] → logits [3, 1]; no biases. */
function denseNet(): LayersInspectableModel {
  const input = tfl.input({ shape: [2], name: 'x' });
  const d1 = tfl.layers.dense({ units: 2, useBias: false, activation: 'relu', name: 'd1' });
  const d2 = tfl.layers.dense({ units: 2, useBias: false, name: 'd2' });
  const model = tfl.model({ inputs: input, outputs: d2.apply(d1.apply(input)) as tfl.SymbolicTensor });
  d1.setWeights([
    tf.tensor2d([
      [1, -1],
      [2, 1],
    ]),
  ]);
  d2.setWeights([
    tf.tensor2d([
      [1, 0],
      [-2, 1],
    ]),
  ]);
  return new LayersInspectableModel('dense-net', model);
}

/** 3×3 input → conv K = [[1, −1], [0, 2]] (valid, no bias) → ReLU → global max pool → dense 0.5 → one logit. */
function convNet(): LayersInspectableModel {
  const input = tfl.input({ shape: [3, 3, 1], name: 'x' });
  const conv = tfl.layers.conv2d({ filters: 1, kernelSize: 2, useBias: false, activation: 'relu', name: 'conv' });
  const pool = tfl.layers.globalMaxPooling2d({ name: 'pool' });
  const dense = tfl.layers.dense({ units: 1, useBias: false, name: 'logit' });
  const model = tfl.model({ inputs: input, outputs: dense.apply(pool.apply(conv.apply(input))) as tfl.SymbolicTensor });
  conv.setWeights([tf.tensor4d([1, -1, 0, 2], [2, 2, 1, 1])]);
  dense.setWeights([tf.tensor2d([[0.5]])]);
  return new LayersInspectableModel('conv-net', model);
}
const CONV_X = [1, 2, 0, 0, 1, 3, 2, 0, 1];

function relevance(model: InspectableModel, x: tf.Tensor, o: LrpOptions, target = 0): { values: number[]; total: number; start: number } {
  const g = model.lrpGraph!(x);
  try {
    const { outputs } = model.forward(x);
    const r = lrpRelevance(g, x, unitScore(0, target), o, outputs);
    tf.dispose(outputs);
    const values = Array.from(r.relevance.dataSync());
    r.relevance.dispose();
    return { values, total: r.total, start: r.start };
  } finally {
    disposeLrpGraph(g);
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`LRP by hand on a dense network, each rule (${backend})`, async () => {
    await initEngine({ backend });
    const model = denseNet();
    const x = tf.tensor2d([[1, 2]]);
    const bounds = { low: [0, 0], high: [3, 3] };
    // ε → 0: layer 2, z = 3: R¹ = [5·1·3/3, 1·(−2)·3/3] = [5, −2]; layer 1, z = [5, 1]:
    // R⁰ = [1·1·5/5 + 1·(−1)·(−2)/1, 2·2·5/5 + 2·1·(−2)/1] = [3, 0].
    assertAllClose(relevance(model, x, opts({ rule: 'epsilon' })).values, [3, 0], 1e-5, 'epsilon');
    // ε = 1: s = 3/4 → R¹ = [3.75, −1.5]; s = [3.75/6, −1.5/2] → R⁰ = [1.375, 2·(1.25 − 0.75)] = [1.375, 1].
    const eps1 = relevance(model, x, opts({ rule: 'epsilon', epsilon: 1 }));
    assertAllClose(eps1.values, [1.375, 1], 1e-5, 'epsilon 1');
    assert.ok(Math.abs(eps1.start - 3) < 1e-5 && Math.abs(eps1.total - 2.375) < 1e-5, 'ε absorbs part of the relevance');
    // z⁺ (zplus): layer 2, W⁺ column [1, 0], z⁺ = 5: R¹ = [3, 0]; layer 1 bounded with l = 0, h = 3:
    // z = [5, 1 − 3·(−1)] = [5, 4], s = [0.6, 0]: R⁰ = [1·1·0.6, 2·2·0.6] = [0.6, 2.4].
    assertAllClose(relevance(model, x, opts({ rule: 'zplus', bounds })).values, [0.6, 2.4], 1e-5, 'zplus');
    // αβ (2, 1): z⁺ = 5, z⁻ = −2: R¹ = [2·5·1·(3/5), −(1·(−2)·(3/−2))] = [6, −3]; bounded, s = [6/5, −3/4]:
    // R⁰ = [1·(1.2 + 0.75) − 3·(−1)·(−0.75), 2·(2.4 − 0.75)] = [−0.3, 3.3].
    assertAllClose(relevance(model, x, opts({ rule: 'alphabeta', bounds })).values, [-0.3, 3.3], 1e-5, 'alphabeta');
    // composite: ε for the dense layer 2 → R¹ = [5, −2]; bounded layer 1, s = [5/5, −2/4]:
    // R⁰ = [1·(1 + 0.5) − 3·(−1)·(−0.5), 2·(2 − 0.5)] = [0, 3].
    assertAllClose(relevance(model, x, opts({ rule: 'composite', bounds })).values, [0, 3], 1e-5, 'composite');
    // target 1 (logit 1): ε → 0, layer 2: R¹ = [0, 1·1·1/1] = [0, 1]; layer 1: R⁰ = [1·(−1)·1/1, 2·1·1/1] = [−1, 2].
    assertAllClose(relevance(model, x, opts({ rule: 'epsilon' }), 1).values, [-1, 2], 1e-5, 'epsilon, target 1');
    x.dispose();
    model.dispose();
  });

  test(`LRP by hand on a conv network: max pooling routes to the winner, the bounded rule at the input (${backend})`, async () => {
    await initEngine({ backend });
    const model = convNet();
    const x = tf.tensor4d(CONV_X, [1, 3, 3, 1]);
    // conv = [[1, 8], [−1, 0]], ReLU, max 8 at (0, 1), logit 4. Dense: R = 4; the pool hands it to (0, 1).
    // ε → 0 at the conv, s = 4/8: R = x ⊙ K over the window at (0, 1): x01·1·0.5 = 1, x02·(−1)·0.5 = 0, x11·0 = 0, x12·2·0.5 = 3.
    assertAllClose(relevance(model, x, opts({ rule: 'epsilon' })).values, [0, 1, 0, 0, 0, 3, 0, 0, 0], 1e-5, 'epsilon');
    // bounded, l = 0, h = 3: z = 8 − 3·(−1) = 11, s = 4/11: x01·1·s = 8/11, x02: −h·K⁻01·s = 12/11, x12·2·s = 24/11.
    const zb = relevance(model, x, opts({ rule: 'zplus', bounds: { low: [0], high: [3] } }));
    assertAllClose(zb.values, [0, 8 / 11, 12 / 11, 0, 0, 24 / 11, 0, 0, 0], 1e-5, 'bounded');
    assert.ok(Math.abs(zb.total - 4) < 1e-5 && Math.abs(zb.start - 4) < 1e-5, `conserved: ${zb.total} of ${zb.start}`);
    x.dispose();
    model.dispose();
  });

  test(`LRP conservation: in a bias-free network the input relevance sums to the target's logit (${backend})`, async () => {
    await initEngine({ backend });
    const init = (seed: number) => tfl.initializers.glorotNormal({ seed });
    const conv = (filters: number, kernelSize: number, seed: number, activation?: 'relu') =>
      tfl.layers.conv2d({ filters, kernelSize, padding: 'same', useBias: false, activation, kernelInitializer: init(seed) });
    const head = (h: tfl.SymbolicTensor) => tfl.layers.dense({ units: 3, useBias: false, kernelInitializer: init(5) }).apply(h) as tfl.SymbolicTensor;
    // A network with every layer type: ε → 0 conserves everywhere (the Add shares in proportion to its summands).
    const input = tfl.input({ shape: [12, 12, 3] });
    let h = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(conv(6, 3, 1, 'relu').apply(input)) as tfl.SymbolicTensor;
    const a = conv(8, 3, 2).apply(h) as tfl.SymbolicTensor;
    const b = tfl.layers
      .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(3) })
      .apply(conv(8, 1, 4).apply(h)) as tfl.SymbolicTensor;
    h = tfl.layers.reLU().apply(tfl.layers.add().apply([a, b])) as tfl.SymbolicTensor;
    h = tfl.layers.concatenate().apply([h, tfl.layers.averagePooling2d({ poolSize: 1 }).apply(h) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const every = new LayersInspectableModel(
      'every',
      tfl.model({ inputs: input, outputs: head(tfl.layers.flatten().apply(tfl.layers.averagePooling2d({ poolSize: 2 }).apply(h)) as tfl.SymbolicTensor) }),
    );
    // A chain whose hidden layers read ReLU outputs: z⁺ and the composite conserve too (no neuron with relevance lacks positive input).
    const input2 = tfl.input({ shape: [12, 12, 3] });
    h = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(conv(6, 3, 1, 'relu').apply(input2)) as tfl.SymbolicTensor;
    h = tfl.layers.globalAveragePooling2d({}).apply(conv(8, 3, 2, 'relu').apply(h)) as tfl.SymbolicTensor;
    const chain = new LayersInspectableModel('chain', tfl.model({ inputs: input2, outputs: head(h) }));
    const x = tf.randomUniform([1, 12, 12, 3], 0, 1, 'float32', 7);
    const before = tf.memory().numTensors;
    for (const [model, rules] of [
      [every, ['epsilon']],
      [chain, ['epsilon', 'zplus', 'composite']],
    ] as const) {
      const logits = tf.tidy(() => model.forward(x).outputs[0].dataSync());
      const target = logits[0] > 0 ? 0 : logits[1] > 0 ? 1 : 2;
      for (const rule of rules) {
        const r = relevance(model, x, opts({ rule, bounds: { low: [0, 0, 0], high: [1, 1, 1] } }), target);
        const what = `${model.path}, ${rule}`;
        assert.ok(Math.abs(r.start - logits[target]) < 1e-5, `${what}: starts from the logit`);
        assert.ok(Math.abs(r.total - logits[target]) <= 1e-4 * (1 + Math.abs(logits[target])), `${what}: Σ R = ${r.total}, logit ${logits[target]}`);
        assert.ok(
          r.values.some((v) => v !== 0),
          `${what}: a map, not zeros`,
        );
      }
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    x.dispose();
    every.dispose();
    chain.dispose();
  });
}

test('LRP agrees between cpu and wasm on a network with batch norm (folded into the convolution before it)', async () => {
  const build = () => {
    const input = tfl.input({ shape: [10, 10, 3] });
    let h = tfl.layers
      .conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
        biasInitializer: 'ones',
        name: 'c1',
      })
      .apply(input) as tfl.SymbolicTensor;
    h = tfl.layers.batchNormalization({ name: 'bn1' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.reLU({ maxValue: 6 }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.globalAveragePooling2d({}).apply(h) as tfl.SymbolicTensor;
    const out = tfl.layers
      .dense({ units: 2, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) })
      .apply(h) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: out });
    const bn = m.getLayer('bn1');
    bn.setWeights([tf.tensor1d([1, 2, 0.5, -1]), tf.tensor1d([0.1, -0.2, 0.3, 0]), tf.tensor1d([0.5, 0, -0.5, 1]), tf.tensor1d([4, 1, 0.25, 2])]);
    return new LayersInspectableModel('bn-net', m);
  };
  const run = async (backend: 'cpu' | 'wasm') => {
    await initEngine({ backend });
    const model = build();
    const g = model.lrpGraph();
    const kinds = g.nodes.map((n) => n.op.kind);
    disposeLrpGraph(g);
    const x = tf.randomUniform([1, 10, 10, 3], 0, 1, 'float32', 3);
    const r = relevance(model, x, opts({ rule: 'composite', bounds: { low: [0, 0, 0], high: [1, 1, 1] } }));
    x.dispose();
    model.dispose();
    return { kinds, values: r.values };
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  // the batch norm became an identity: its scale and shift are in the convolution's weights (the graph's forward, checked against the model's logits, agrees)
  assert.deepEqual(cpu.kinds, ['input', 'conv', 'identity', 'relu', 'gap', 'dense']);
  const scale = Math.max(...cpu.values.map(Math.abs));
  assertAllClose(wasm.values, cpu.values, 1e-4 * scale, 'wasm vs cpu');
});

test('LRP names the layer it cannot handle, and α − β must be 1', async () => {
  await initEngine({ backend: 'cpu' });
  const input = tfl.input({ shape: [4] });
  const out = tfl.layers.dense({ units: 2, activation: 'tanh', name: 'squash' }).apply(input) as tfl.SymbolicTensor;
  const model = new LayersInspectableModel('tanh.json', tfl.model({ inputs: input, outputs: out }));
  assert.throws(() => model.lrpGraph(), { message: `tanh.json: LRP cannot handle layer "squash" (Dense): activation "tanh"; it covers ${LRP_LAYERS}` });
  model.dispose();
  const dense = denseNet();
  const x = tf.tensor2d([[1, 2]]);
  assert.throws(() => relevance(dense, x, opts({ rule: 'alphabeta', alpha: 2, beta: 2 })), {
    message: "--lrp-alpha and --lrp-beta must differ by 1 (α − β = 1 keeps the relevance's total); got 2 and 2",
  });
  x.dispose();
  dense.dispose();
});

test('LRP of an ONNX file (the demo teacher, PyTorch NCHW) equals LRP of the same network rebuilt as a layers model, on cpu and wasm', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend });
    const onnx = await loadModel(path.join(REPO, 'demo', 'runs', 'teacher', 'model.onnx'));
    const w = new Map(onnx.weightTensors());
    const convs = ['onnx::Conv_39', 'onnx::Conv_42', 'onnx::Conv_45'];
    const input = tfl.input({ shape: [32, 32, 3] });
    let h: tfl.SymbolicTensor = input;
    const layers: tfl.layers.Layer[] = [];
    convs.forEach((name, i) => {
      const conv = tfl.layers.conv2d({ filters: w.get(name)!.shape[0], kernelSize: 3, padding: 'same', activation: 'relu' });
      layers.push(conv);
      h = conv.apply(h) as tfl.SymbolicTensor;
      if (i < 2) h = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tfl.SymbolicTensor;
    });
    const dense = tfl.layers.dense({ units: 4 });
    const out = dense.apply(tfl.layers.globalAveragePooling2d({}).apply(h)) as tfl.SymbolicTensor;
    const rebuilt = new LayersInspectableModel('rebuilt', tfl.model({ inputs: input, outputs: out }));
    convs.forEach((name, i) => {
      const bias = `onnx::Conv_${Number(name.slice(-2)) + 1}`;
      layers[i].setWeights([tf.transpose(w.get(name)!, [2, 3, 1, 0]), w.get(bias)!]);
    });
    dense.setWeights([tf.transpose(w.get('13.weight')!), w.get('13.bias')!]);
    const image = await readImage(path.join(REPO, 'demo', 'kd-images', 'triangle', fs.readdirSync(path.join(REPO, 'demo', 'kd-images', 'triangle'))[0]));
    const x = toModelInput(image, [null, 32, 32, 3], { scale: '0..1', channelOrder: 'rgb', resize: 'stretch' }, 'image').tensor;
    for (const rule of ['composite', 'epsilon', 'alphabeta'] as const) {
      const o = opts({ rule, epsilon: 0.01, bounds: { low: [0, 0, 0], high: [1, 1, 1] } });
      const a = relevance(onnx, x, o, 2);
      const b = relevance(rebuilt, x, o, 2);
      const scale = Math.max(...b.values.map(Math.abs));
      assert.ok(scale > 0, 'a map');
      assertAllClose(a.values, b.values, 1e-4 * scale, `${backend}, ${rule}: ONNX vs layers`);
    }
    x.dispose();
    onnx.dispose();
    rebuilt.dispose();
  }
});

test('LRP on ONNX names the operator it cannot handle', async () => {
  await initEngine({ backend: 'cpu' });
  const file = path.join(REPO, 'test', 'fixtures', 'onnx', 'small-cnn.onnx');
  const model = await loadModel(file);
  assert.throws(() => model.lrpGraph!(), { message: `${file}: LRP cannot handle node "/LeakyRelu" (LeakyRelu); it covers ${LRP_LAYERS}` });
  model.dispose();
});

test('LRP-ε (ε → 0) equals gradient × input on the Keras fixtures (ReLU networks, batch norm folded; an independent reference)', async () => {
  await initEngine({ backend: 'cpu' });
  const { METHOD_TABLE } = await import('../../../src/core/explain/registry');
  const { DEFAULT_PARAMS } = await import('../../../src/core/explain/specs');
  for (const file of ['keras2-sequential.h5', 'keras3-functional.keras']) {
    const model = await loadModel(path.join(REPO, 'test', 'fixtures', 'keras', file));
    const [, h, w, c] = model.inputs[0].shape as number[];
    const x = tf.randomUniform([1, h, w, c], 0, 1, 'float32', 5) as tf.Tensor4D;
    const logits = tf.tidy(() => Array.from(model.forward(x).outputs[0].dataSync()));
    const target = logits.indexOf(Math.max(...logits));
    const ctx = {
      model,
      input: x,
      score: unitScore(0, target),
      layers: [],
      params: { ...DEFAULT_PARAMS, batchSize: 1, lrpRule: 'epsilon' as const, epsilon: 1e-9 },
    };
    const a = await METHOD_TABLE.lrp(ctx);
    const b = await METHOD_TABLE.gradxinput(ctx);
    const scale = Math.max(...b.grid.values.map(Math.abs));
    assert.ok(scale > 0, file);
    assertAllClose(a.grid.values, b.grid.values, 1e-3 * scale, `${file}: LRP-ε vs gradient × input`);
    x.dispose();
    model.dispose();
  }
});
