import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type BackendName } from '../../../src/core/engine/backend';
import { missingWasmKernels } from '../../../src/core/engine/wasm-kernels';
import { inputGradient } from '../../../src/core/model/gradient';
import { METHOD_TABLE } from '../../../src/core/explain/registry';
import { unitScore } from '../../../src/core/explain/target';
import { DEFAULT_PARAMS, METHODS, type MethodName } from '../../../src/core/explain/types';
import { relativeError } from '../../helpers/assert-close';
import { randomCnn } from '../../helpers/models';

const SIZE = 24;

type Shape4 = [number, number, number, number];

/** Runs `gradient(x, f)` on cpu and on wasm from the same seeded inputs; returns ‖wasm − cpu‖/‖cpu‖. */
async function agreement(xs: Shape4, fs: Shape4, gradient: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor): Promise<number> {
  const grads: Record<string, Float32Array> = {};
  for (const b of ['cpu', 'wasm'] as BackendName[]) {
    await initEngine({ backend: b });
    const x = tf.randomUniform(xs, -1, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomUniform(fs, -1, 1, 'float32', 2) as tf.Tensor4D;
    const g = gradient(x, f);
    grads[b] = g.dataSync() as Float32Array;
    tf.dispose([x, f, g]);
  }
  return relativeError(grads.wasm, grads.cpu);
}

async function onBackend(backend: BackendName) {
  await initEngine({ backend });
  const model = randomCnn(SIZE, 7);
  const x = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 42) as tf.Tensor4D;
  const score = unitScore(0, 2);
  const grads: Record<string, Float32Array> = {};
  for (const layer of ['stem_relu6', 'residual', 'last_conv']) {
    const { activation, gradient } = model.layerGradient(x, layer, score);
    grads[layer] = gradient.dataSync() as Float32Array;
    tf.dispose([activation, gradient]);
  }
  const gx = inputGradient(model, x, score);
  grads.input = gx.dataSync() as Float32Array;
  gx.dispose();
  const maps: Partial<Record<MethodName, Float32Array>> = {};
  for (const method of METHODS) {
    const r = await METHOD_TABLE[method]({
      model,
      input: x,
      score,
      layers: ['last_conv'],
      params: { ...DEFAULT_PARAMS, samples: 6, steps: 12, window: 6, stride: 3, batchSize: 8 },
    });
    maps[method] = r.grid.values;
  }
  model.dispose();
  x.dispose();
  return { grads, maps };
}

test('the wasm backend gets the gradient kernels it lacks', async () => {
  await initEngine({ backend: 'wasm' });
  for (const k of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'UnsortedSegmentSum']) {
    assert.ok(tf.getKernel(k, 'wasm'), `${k} is registered for wasm`);
  }
  assert.deepEqual(missingWasmKernels(), []);
  // Weight gradients through the bridged kernels agree with cpu.
  const run = async (b: BackendName) => {
    await initEngine({ backend: b });
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
    const d = tf.randomNormal([3, 3, 4, 2], 0, 1, 'float32', 3);
    const idx = tf.tensor1d([0, 2, 2, 1], 'int32');
    const gs = tf.grads((a: tf.Tensor, b2: tf.Tensor, c: tf.Tensor) =>
      tf.add(
        tf.sum(tf.square(tf.depthwiseConv2d(tf.conv2d(a as tf.Tensor4D, b2 as tf.Tensor4D, 2, 'same'), c as tf.Tensor4D, 1, 'same'))),
        tf.sum(tf.gather(tf.reshape(c, [-1]), idx)),
      ),
    )([x, w, d]);
    const flat = gs.flatMap((g) => Array.from(g.dataSync()));
    tf.dispose([x, w, d, idx, ...gs]);
    return flat;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  assert.ok(relativeError(wasm, cpu) <= 1e-4, `relative error ${relativeError(wasm, cpu)}`);
});

test('Conv2DBackpropFilter composed from wasm kernels equals the cpu kernel for strides, paddings and shapes', async () => {
  const cases: [Shape4, Shape4, number | [number, number], 'same' | 'valid'][] = [
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
    [[2, 9, 9, 3], [3, 3, 3, 4], 2, 'same'],
    [[1, 10, 7, 2], [3, 2, 2, 5], [2, 1], 'valid'],
    [[1, 8, 8, 3], [5, 5, 3, 2], 3, 'same'],
    [[3, 11, 13, 4], [1, 1, 4, 6], 2, 'valid'],
  ];
  for (const [xs, fs, strides, pad] of cases) {
    const e = await agreement(xs, fs, (x, f) => tf.grad((ff: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, ff as tf.Tensor4D, strides, pad))))(f));
    assert.ok(e <= 1e-5, `x ${xs} filter ${fs} strides ${strides} ${pad}: ${e}`);
  }
});

test('DepthwiseConv2dNativeBackpropInput composed from wasm kernels equals the cpu kernel', async () => {
  const cases: [Shape4, Shape4, number | [number, number], 'same' | 'valid', number][] = [
    [[2, 9, 9, 3], [3, 3, 3, 1], 1, 'same', 1],
    [[2, 9, 9, 3], [3, 3, 3, 1], 2, 'same', 1],
    [[1, 10, 7, 4], [3, 3, 4, 1], 2, 'same', 1],
    [[1, 10, 7, 2], [3, 2, 2, 1], [2, 1], 'valid', 1],
    [[1, 11, 11, 3], [5, 5, 3, 1], 3, 'same', 1],
    [[1, 8, 8, 2], [3, 3, 2, 2], 2, 'same', 1],
  ];
  for (const [xs, fs, strides, pad, dilation] of cases) {
    const e = await agreement(xs, fs, (x, f) =>
      tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(xx as tf.Tensor4D, f, strides, pad, 'NHWC', dilation))))(x),
    );
    assert.ok(e <= 1e-5, `x ${xs} filter ${fs} strides ${strides} ${pad} dilation ${dilation}: ${e}`);
  }
});

test('Conv2DBackpropInput composed from wasm forward kernels equals the cpu kernel', async () => {
  const cases: [Shape4, Shape4, number | [number, number], 'same' | 'valid'][] = [
    [[2, 9, 9, 3], [1, 1, 3, 5], 1, 'same'],
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
    [[2, 9, 9, 3], [3, 3, 3, 4], 2, 'same'],
    [[1, 10, 7, 2], [3, 2, 2, 5], [2, 1], 'valid'],
    [[1, 11, 11, 3], [5, 5, 3, 2], 3, 'same'],
    [[1, 8, 8, 4], [1, 1, 4, 6], 2, 'valid'],
  ];
  for (const [xs, fs, strides, pad] of cases) {
    const e = await agreement(xs, fs, (x, f) => tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, f, strides, pad))))(x));
    assert.ok(e <= 1e-5, `x ${xs} filter ${fs} strides ${strides} ${pad}: ${e}`);
  }
});

test('gradients and maps of every method agree between cpu and wasm on random noise', async () => {
  const cpu = await onBackend('cpu');
  const wasm = await onBackend('wasm');
  for (const [name, g] of Object.entries(cpu.grads)) {
    const e = relativeError(wasm.grads[name], g);
    assert.ok(e <= 1e-4, `gradient at ${name}: ‖a − b‖/‖b‖ = ${e}`);
  }
  for (const method of METHODS) {
    const e = relativeError(wasm.maps[method]!, cpu.maps[method]!);
    assert.ok(e <= 1e-3, `${method}: ‖a − b‖/‖b‖ = ${e}`);
  }
});

test('a forced backend that cannot load is an error, never a fallback', async () => {
  await assert.rejects(initEngine({ backend: 'tensorflow', tfjsNodePath: '/nonexistent/tfjs-node' }), (err: Error) => {
    assert.equal(err.name, 'BackendError');
    assert.match(err.message, /^The tensorflow backend could not be loaded: Cannot find module '\/nonexistent\/tfjs-node'/);
    return true;
  });
  process.env.MODEL_LENS_BACKEND = 'gpu';
  try {
    await assert.rejects(initEngine(), { message: 'Unknown backend "gpu": choose one of tensorflow, wasm, cpu.' });
  } finally {
    delete process.env.MODEL_LENS_BACKEND;
  }
});
