import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../../../src/core/engine/backend';
import { mulberry32 } from '../../../../src/core/explain/random';
import { EmbeddingView, similarity, type Similarity } from '../../../../src/core/explain/pair/embedding';
import { PAIR_METHOD_TABLE } from '../../../../src/core/explain/pair/registry';
import { randomErase } from '../../../../src/core/explain/pair/pairwise';
import { DEFAULT_PAIR_PARAMS, type PairContext, type PairMethodName } from '../../../../src/core/explain/pair/types';
import { LayersInspectableModel } from '../../../../src/core/model/layers-model';

/**
 * An encoder that sees one region only: features F = [x, 1] (a 1×1 conv), e = the mean of F over the
 * region (Cropping2D + global average pooling) = [mean_R x, 1]. Nothing outside R can change e.
 */
function regionEncoder(size: number, r: { top: number; left: number; height: number; width: number }): LayersInspectableModel {
  const input = tfl.input({ shape: [size, size, 1], name: 'image' });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'features' });
  const crop = tfl.layers.cropping2D({
    cropping: [
      [r.top, size - r.top - r.height],
      [r.left, size - r.left - r.width],
    ],
    name: 'region',
  });
  const out = tfl.layers.globalAveragePooling2d({ name: 'embedding' }).apply(crop.apply(conv.apply(input))) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  conv.setWeights([tf.tensor4d([1, 0], [1, 1, 1, 2]), tf.tensor1d([0, 1])]);
  return new LayersInspectableModel('region-encoder', model);
}

// Plain-JS reference: e(x) = [mean over R of x, 1]; cosine.
const cos = (u: number[], v: number[]) => (u[0] * v[0] + u[1] * v[1]) / (Math.hypot(...u) * Math.hypot(...v));
function meanIn(x: number[], size: number, r: { top: number; left: number; height: number; width: number }, zero?: (y: number, x: number) => boolean): number {
  let s = 0;
  for (let y = r.top; y < r.top + r.height; y++) for (let c = r.left; c < r.left + r.width; c++) s += zero?.(y, c) ? 0 : x[y * size + c];
  return s / (r.height * r.width);
}

const SIZE = 4;
const R = { top: 0, left: 2, height: 2, width: 2 }; // the top-right 2×2 block
const A = [0.9, 0.1, 0.8, 0.6, 0.2, 0.3, 0.4, 1.0, 0.5, 0.7, 0.1, 0.2, 0.3, 0.9, 0.6, 0.4];
const B = [0.1, 0.5, 0.3, 0.2, 0.8, 0.6, 0.7, 0.1, 0.4, 0.2, 0.9, 0.3, 0.6, 0.1, 0.5, 0.8];

function context(method: PairMethodName, sim: Similarity = 'cosine', extra: Partial<PairContext['params']> = {}): PairContext {
  const view = new EmbeddingView(regionEncoder(SIZE, R));
  return {
    model: view,
    a: tf.tensor4d(A, [1, SIZE, SIZE, 1]),
    b: tf.tensor4d(B, [1, SIZE, SIZE, 1]),
    similarity: sim,
    layer: 'features',
    params: { ...DEFAULT_PAIR_PARAMS, window: 2, stride: 2, batchSize: 3, ...extra },
    transformed: method === 'averaged-transforms' ? { a: tf.zeros([1, SIZE, SIZE, 1]), b: tf.zeros([1, SIZE, SIZE, 1]) } : undefined,
  };
}

function close(actual: ArrayLike<number>, expected: number[], tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
}

// Windows of 2 at stride 2 on 4×4: four positions, row-major; window 1 (top right) is R.
const windowOf = (k: number) => (y: number, x: number) =>
  y >= Math.floor(k / 2) * 2 && y < Math.floor(k / 2) * 2 + 2 && x >= (k % 2) * 2 && x < (k % 2) * 2 + 2;

test('similarity: cosine, dot and negative L2 by hand', async () => {
  await initEngine({ backend: 'cpu' });
  const a = tf.tensor2d([
    [3, 4],
    [1, 0],
  ]);
  const b = tf.tensor2d([[4, 3]]);
  close(similarity(a, b, 'cosine').dataSync(), [24 / 25, 4 / 5], 1e-6, 'cosine');
  close(similarity(a, b, 'dot').dataSync(), [24, 4], 1e-5, 'dot');
  close(similarity(a, b, 'l2').dataSync(), [-Math.SQRT2, -Math.hypot(3, 3)], 1e-5, 'l2');
  tf.dispose([a, b]);
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: conditional occlusion — b − sim with each window zeroed, by hand; zero outside the region`, async () => {
    await initEngine({ backend });
    const ctx = context('conditional');
    const r = await PAIR_METHOD_TABLE.conditional(ctx);
    const eb = [meanIn(B, SIZE, R), 1];
    const ea = [meanIn(A, SIZE, R), 1];
    const base = cos(ea, eb);
    assert.ok(Math.abs(r.base - base) < 1e-6);
    close(
      r.a.grid.values,
      [0, 1, 2, 3].map((k) => base - cos([meanIn(A, SIZE, R, windowOf(k)), 1], eb)),
      1e-6,
      'map a',
    );
    close(
      r.b.grid.values,
      [0, 1, 2, 3].map((k) => base - cos([meanIn(B, SIZE, R, windowOf(k)), 1], ea)),
      1e-6,
      'map b',
    );
    assert.deepEqual([r.a.grid.values[0], r.a.grid.values[2], r.a.grid.values[3]], [0, 0, 0]);
    assert.ok(r.a.grid.values[1] > 0 && r.b.grid.values[1] > 0);
    tf.dispose([ctx.a, ctx.b]);
  });

  test(`${backend}: context-agnostic occlusion — sim(e(window kept) − e(window zeroed), e(other)), by hand; highest on the region`, async () => {
    await initEngine({ backend });
    const ctx = context('context-agnostic');
    const r = await PAIR_METHOD_TABLE['context-agnostic'](ctx);
    const expected = (x: number[], other: number[]) =>
      [0, 1, 2, 3].map((k) => {
        const kept = meanIn(x, SIZE, R, (y, c) => !windowOf(k)(y, c));
        const zeroed = meanIn(x, SIZE, R, windowOf(k));
        return cos([kept - zeroed, 0], [meanIn(other, SIZE, R), 1]);
      });
    close(r.a.grid.values, expected(A, B), 1e-5, 'map a');
    close(r.b.grid.values, expected(B, A), 1e-5, 'map b');
    for (const m of [r.a.grid.values, r.b.grid.values]) assert.equal(m.indexOf(Math.max(...m)), 1, 'the region holds the maximum');
    tf.dispose([ctx.a, ctx.b]);
  });

  for (const variant of [
    { temperature: 1, assign: 'both' },
    { temperature: 0.25, assign: 'smaller-norm' },
  ] as const) {
    test(`${backend}: pairwise occlusion — softmax((b − sim) / ${variant.temperature}) over seeded erasures, weight to ${variant.assign === 'both' ? 'both views' : 'the view with the smaller norm'}, by hand`, async () => {
      await initEngine({ backend });
      const ctx = context('pairwise', 'cosine', { samples: 40, seed: 5, ...variant });
      const r = await PAIR_METHOD_TABLE.pairwise(ctx);
      const rand = mulberry32(5);
      const trials = Array.from({ length: 40 }, () => ({ a: randomErase(rand, SIZE, SIZE), b: randomErase(rand, SIZE, SIZE) }));
      const inRect = (q: { top: number; left: number; height: number; width: number }) => (y: number, x: number) =>
        y >= q.top && y < q.top + q.height && x >= q.left && x < q.left + q.width;
      const base = cos([meanIn(A, SIZE, R), 1], [meanIn(B, SIZE, R), 1]);
      const ea = trials.map((t) => [meanIn(A, SIZE, R, inRect(t.a)), 1]);
      const eb = trials.map((t) => [meanIn(B, SIZE, R, inRect(t.b)), 1]);
      const d = trials.map((_, k) => base - cos(ea[k], eb[k]));
      const e = d.map((v) => Math.exp((v - Math.max(...d)) / variant.temperature));
      const w = e.map((v) => v / e.reduce((x, y) => x + y, 0));
      // With the smaller-norm rule a trial counts for view a only when ‖e(a erased)‖ < ‖e(b erased)‖.
      const counts = (view: 'a' | 'b', k: number) => variant.assign === 'both' || (view === 'a') === Math.hypot(...ea[k]) < Math.hypot(...eb[k]);
      if (variant.assign === 'smaller-norm')
        assert.ok(trials.some((_, k) => counts('a', k)) && trials.some((_, k) => counts('b', k)), 'both views win some trials');
      for (const view of ['a', 'b'] as const) {
        const m = new Array(SIZE * SIZE).fill(0);
        trials.forEach((t, k) => {
          if (!counts(view, k)) return;
          for (let p = 0; p < SIZE * SIZE; p++) if (inRect(t[view])(Math.floor(p / SIZE), p % SIZE)) m[p] += w[k];
        });
        const max = Math.max(...m);
        close(
          r[view].grid.values,
          m.map((v) => v / max),
          1e-5,
          `map ${view}`,
        );
      }
      assert.ok(Math.abs(r.details!.effectiveTrials - 1 / w.reduce((x, v) => x + v * v, 0)) < 1e-3, 'effective trials 1/Σw²');
      assert.ok(Math.abs(r.details!.similarityRange - (Math.max(...d) - Math.min(...d))) < 1e-5, 'range of b − sim');
      tf.dispose([ctx.a, ctx.b]);
    });
  }

  test(`${backend}: Interaction-CAM — Σ_c F ⊙ J ⊙ ReLU(G), by hand; zero outside the region`, async () => {
    await initEngine({ backend });
    const ctx = context('interaction-cam');
    const r = await PAIR_METHOD_TABLE['interaction-cam'](ctx);
    // F = [x, 1] per pixel; e = [m, 1]; ∂cos(u, v)/∂u = v/(|u||v|) − cos(u, v)·u/|u|², spread over R's 4 pixels.
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const J = [mean(A) * mean(B), 1];
    const expected = (x: number[], other: number[]) => {
      const u = [meanIn(x, SIZE, R), 1];
      const v = [meanIn(other, SIZE, R), 1];
      const c = cos(u, v);
      const g = [0, 1].map((i) => (v[i] / (Math.hypot(...u) * Math.hypot(...v)) - (c * u[i]) / (u[0] ** 2 + u[1] ** 2)) / 4);
      return Array.from({ length: SIZE * SIZE }, (_, p) =>
        windowOf(1)(Math.floor(p / SIZE), p % SIZE) ? x[p] * J[0] * Math.max(0, g[0]) + 1 * J[1] * Math.max(0, g[1]) : 0,
      );
    };
    close(r.a.grid.values, expected(A, B), 1e-6, 'map a');
    close(r.b.grid.values, expected(B, A), 1e-6, 'map b');
    tf.dispose([ctx.a, ctx.b]);
  });

  test(`${backend}: averaged transforms — no saliency outside the region the embedding sees`, async () => {
    await initEngine({ backend });
    const ctx = context('averaged-transforms', 'cosine', { seed: 2 });
    const r = await PAIR_METHOD_TABLE['averaged-transforms'](ctx);
    for (const view of ['a', 'b'] as const) {
      const m = r[view].grid.values;
      for (let p = 0; p < m.length; p++) if (!windowOf(1)(Math.floor(p / SIZE), p % SIZE)) assert.equal(m[p], 0, `${view}[${p}]`);
      assert.ok(Math.max(...m) > 0, `${view}: the region has saliency`);
    }
    tf.dispose([ctx.a, ctx.b, ctx.transformed!.a, ctx.transformed!.b]);
  });
}

test('no tensor is left behind by any pair method', async () => {
  await initEngine({ backend: 'wasm' });
  for (const method of Object.keys(PAIR_METHOD_TABLE) as PairMethodName[]) {
    const ctx = context(method, 'cosine', { samples: 8 });
    const before = tf.memory().numTensors;
    await PAIR_METHOD_TABLE[method](ctx);
    assert.equal(tf.memory().numTensors, before, method);
    tf.dispose([ctx.a, ctx.b, ...(ctx.transformed ? [ctx.transformed.a, ctx.transformed.b] : [])]);
  }
});
