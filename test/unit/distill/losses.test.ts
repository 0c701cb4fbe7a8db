// The distillation losses (src/core/distill/losses.ts) against values computed by hand, and their
// gradients against central finite differences on the cpu and wasm backends. Float32 differences:
// step h = 1e-2, tolerance 2e-3 + 1e-2·|g| per element (truncation O(h²) and rounding eps·|L|/h are
// both below 1e-4 here); inputs are chosen away from ReLU's kink.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type BackendName } from '../../../src/core/engine/backend';
import {
  adaptHint,
  asdtTeacher,
  attentionMap,
  attentionTransfer,
  crossEntropy,
  detectionClassKd,
  fitnetHint,
  fsp,
  fspMatrix,
  hintonKd,
  hsakd,
  rotateBatch,
  teacherBoundedRegression,
  vid,
  VID_INIT_A,
} from '../../../src/core/distill/losses';
import { mulberry32 } from '../../../src/core/explain/random';

const LN2 = Math.log(2);
const LN3 = Math.log(3);
const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected} (±${tol})`);
const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const t4 = (values: number[], shape: [number, number, number, number]) => tf.tensor4d(values, shape);
const kernel1 = (v: number) => tf.tensor4d([v], [1, 1, 1, 1]);

/** ∂f/∂x by tf.grad against central differences, element by element. */
function checkGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, what: string): void {
  const h = 1e-2;
  const analytic = tf.tidy(() => tf.grad(f)(x).dataSync());
  const base = x.dataSync();
  for (let i = 0; i < base.length; i++) {
    const at = (d: number) =>
      tf.tidy(() => {
        const v = Float32Array.from(base);
        v[i] += d;
        return f(tf.tensor(v, x.shape)).dataSync()[0];
      });
    const numeric = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(analytic[i] - numeric) <= 2e-3 + 1e-2 * Math.abs(numeric), `${what}: ∂/∂x[${i}] = ${analytic[i]}, finite difference ${numeric}`);
  }
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  test(`${backend}: cross-entropy and Hinton KD by hand (KL summed over classes, averaged over the batch, times T²)`, async () => {
    await initEngine({ backend });
    // softmax([0, ln 3]) = [1/4, 3/4]
    close(value(crossEntropy(tf.tensor2d([[0, LN3]]), tf.tensor1d([1]))), Math.log(4 / 3), 1e-6, 'CE, label 1');
    close(value(crossEntropy(tf.tensor2d([[0, LN3]]), tf.tensor1d([0]))), Math.log(4), 1e-6, 'CE, label 0');
    // T = 2: the teacher's p^T = softmax([ln 3, 0]) = [3/4, 1/4], the student's [1/2, 1/2]:
    // KL = 3/4·ln(3/2) + 1/4·ln(1/2) = 0.130812…, times T² = 4; the second row has KL 0: batch mean half of it.
    const kl = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
    close(
      value(
        hintonKd(
          tf.tensor2d([
            [0, 0],
            [1, 2],
          ]),
          tf.tensor2d([
            [2 * LN3, 0],
            [1, 2],
          ]),
          2,
        ),
      ),
      (4 * kl) / 2,
      1e-6,
      'KD',
    );
    // The loss leaves nothing behind but its result.
    const s = tf.tensor2d([[0, 1]]);
    const t = tf.tensor2d([[1, 0]]);
    const before = tf.memory().numTensors;
    value(hintonKd(s, t, 3));
    assert.equal(tf.memory().numTensors, before, 'no tensor left');
    tf.dispose([s, t]);
  });

  test(`${backend}: FitNet hint, attention transfer and FSP by hand`, async () => {
    await initEngine({ backend });
    close(value(fitnetHint(t4([1, 2], [1, 1, 1, 2]), t4([0, 4], [1, 1, 1, 2]))), 2.5, 1e-6, 'hint: mean of 1² and 2²');
    // The adaptation layer: 1×1 conv ×2 → [2, 6], batch norm over the batch (mean 4, variance 4) → ±1, ReLU.
    const adapted = adaptHint(t4([1, 3], [2, 1, 1, 1]), { kernel: kernel1(2), gamma: tf.tensor1d([1]), beta: tf.tensor1d([0]) });
    const a = Array.from(adapted.dataSync());
    adapted.dispose();
    close(a[0], 0, 1e-6, 'adapter, first image');
    close(a[1], 2 / Math.sqrt(4 + 1e-5), 1e-5, 'adapter, second image');
    // a(F): positions (1, 1) and (2, 0) → mean_c F² = [1, 2] → / √5.
    const map = attentionMap(t4([1, 1, 2, 0], [1, 1, 2, 2]));
    const m = Array.from(map.dataSync());
    map.dispose();
    close(m[0], 1 / Math.sqrt(5), 1e-6, 'a(F)[0]');
    close(m[1], 2 / Math.sqrt(5), 1e-6, 'a(F)[1]');
    // Against positions (0, 0) and (1, 1): a = [0, 1]; mean((1/√5)², (2/√5 − 1)²).
    const at = (1 / 5 + (2 / Math.sqrt(5) - 1) ** 2) / 2;
    close(value(attentionTransfer([[t4([1, 1, 2, 0], [1, 1, 2, 2]), t4([0, 0, 1, 1], [1, 1, 2, 2])]])), at, 1e-6, 'AT');
    // Two pairs add up.
    close(
      value(
        attentionTransfer([
          [t4([1, 1, 2, 0], [1, 1, 2, 2]), t4([0, 0, 1, 1], [1, 1, 2, 2])],
          [t4([1, 1, 2, 0], [1, 1, 2, 2]), t4([0, 0, 1, 1], [1, 1, 2, 2])],
        ]),
      ),
      2 * at,
      1e-6,
      'AT, two pairs',
    );
    // G = (1/2)·Σ_positions F¹·F²: F¹ = [1, 2], F² = identity over two positions → [0.5, 1].
    const g = fspMatrix(t4([1, 2], [1, 1, 2, 1]), t4([1, 0, 0, 1], [1, 1, 2, 2]));
    assert.deepEqual(g.shape, [1, 1, 2]);
    assert.deepEqual(Array.from(g.dataSync()), [0.5, 1]);
    close(value(fsp([[g, tf.zeros([1, 1, 2]) as tf.Tensor3D]])), 1.25, 1e-6, 'FSP: 0.5² + 1²');
    g.dispose();
    // F¹ 2×2 pooled to F²'s 1×1: mean(1, 3, 5, 7) = 4; G = 4·2.
    const pooled = fspMatrix(t4([1, 3, 5, 7], [1, 2, 2, 1]), t4([2], [1, 1, 1, 1]));
    close(pooled.dataSync()[0], 8, 1e-6, 'FSP with pooling');
    pooled.dispose();
    assert.throws(() => fspMatrix(t4([1, 2, 3], [1, 3, 1, 1]), t4([1, 2], [1, 2, 1, 1])), /FSP: 3×1 does not pool evenly to 2×1/);
  });

  test(`${backend}: VID, HSAKD's rotations and loss, ASDT's schedule and detection KD by hand`, async () => {
    await initEngine({ backend });
    // Identity regressor: μ = ReLU(F_s) = [1, 0]; σ² starts at 5: ½·mean((1 − 3)²/5 + ln 5, 0 + ln 5).
    const id = { w1: kernel1(1), w2: kernel1(1), w3: kernel1(1), a: tf.tensor1d([VID_INIT_A]) };
    close(value(vid(t4([1, -1], [1, 1, 2, 1]), t4([3, 0], [1, 1, 2, 1]), id)), (0.5 * (4 / 5 + Math.log(5) + Math.log(5))) / 2, 1e-5, 'VID');
    close(Math.log1p(Math.exp(VID_INIT_A)) + 1e-5, 5, 1e-5, 'VID starts at σ² = 5');
    // Rotations by 90° clockwise, rotation-major; joint labels class·4 + rotation.
    const { x, joint } = rotateBatch(t4([1, 2, 3, 4], [1, 2, 2, 1]), tf.tensor1d([2]));
    assert.deepEqual(Array.from(x.dataSync()), [1, 2, 3, 4, 3, 1, 4, 2, 4, 3, 2, 1, 2, 4, 1, 3]);
    assert.deepEqual(Array.from(joint!.dataSync()), [8, 9, 10, 11]);
    tf.dispose([x, joint!]);
    const two = rotateBatch(t4([0, 0, 0, 0, 1, 1, 1, 1], [2, 2, 2, 1]), tf.tensor1d([2, 0]));
    assert.deepEqual(Array.from(two.joint!.dataSync()), [8, 0, 9, 1, 10, 2, 11, 3]);
    tf.dispose([two.x, two.joint!]);
    // No auxiliary heads, B = 1, T = 3: CE of [0, 0] = ln 2, and four rows of KL 0.130812… times 9.
    const kl = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
    const h = hsakd(
      {
        student: tf.zeros([4, 2]) as tf.Tensor2D,
        teacher: tf.tensor2d(Array.from({ length: 4 }, () => [3 * LN3, 0])),
        studentAux: [],
        teacherAux: [],
        labels: tf.tensor1d([0]),
      },
      3,
    );
    close(value(h.ce), LN2, 1e-6, 'HSAKD CE');
    close(value(h.kd), 9 * kl, 1e-5, 'HSAKD KD');
    close(value(h.aux), 0, 0, 'HSAKD aux without heads');
    close(value(h.total), LN2 + 9 * kl, 1e-5, 'HSAKD total');
    assert.deepEqual(
      Array.from({ length: 11 }, (_, t) => asdtTeacher(t, 10, 0.3)),
      [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 1],
    );
    // μ = 0.5: CE = ln 2; soft term −(1.5·0.5·(−ln 2) + 0.5·(−ln 2)) = 1.25 ln 2.
    close(
      value(detectionClassKd(tf.tensor2d([[0, 0]]), tf.tensor2d([[0.5, 0.5]]), tf.tensor1d([1]), 0.5)),
      0.5 * LN2 + 0.5 * 1.25 * LN2,
      1e-6,
      'detection class KD',
    );
    const zeros = tf.zeros([1, 4]) as tf.Tensor2D;
    close(value(teacherBoundedRegression(tf.tensor2d([[1, 0, 0, 0]]), tf.tensor2d([[2, 0, 0, 0]]), zeros, 0)), 0, 0, 'the teacher is farther: no loss');
    close(value(teacherBoundedRegression(tf.tensor2d([[1, 0, 0, 0]]), tf.tensor2d([[2, 0, 0, 0]]), zeros, 3.5)), 1, 1e-6, 'within the margin: ‖R_s − y‖²');
    close(
      value(
        teacherBoundedRegression(
          tf.tensor2d([
            [1, 0, 0, 0],
            [0, 0, 0, 0],
          ]),
          tf.tensor2d([
            [0.5, 0, 0, 0],
            [0, 0, 0, 0],
          ]),
          tf.zeros([2, 4]) as tf.Tensor2D,
          0,
        ),
      ),
      0.5,
      1e-6,
      'mean over boxes',
    );
    zeros.dispose();
  });

  test(`${backend}: every loss's gradient equals central finite differences`, async () => {
    await initEngine({ backend });
    const rand = mulberry32(11);
    const r = (n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => lo + (hi - lo) * rand());
    const zt = tf.tensor2d(r(6), [2, 3]);
    const labels = tf.tensor1d([2, 0]);
    const zs = tf.tensor2d(r(6), [2, 3]);
    checkGradient((x) => crossEntropy(x as tf.Tensor2D, labels), zs, 'CE');
    checkGradient((x) => hintonKd(x as tf.Tensor2D, zt, 4), zs, 'KD');
    const ft = t4(r(2 * 2 * 2 * 3), [2, 2, 2, 3]);
    const fsIn = t4(r(2 * 2 * 2 * 2, 0.2, 1), [2, 2, 2, 2]);
    const adapter = { kernel: tf.tensor4d(r(6, 0.3, 1), [1, 1, 2, 3]), gamma: tf.tensor1d([1, 1.5, 0.8]), beta: tf.tensor1d([2, 2, 2]) };
    checkGradient((x) => fitnetHint(adaptHint(x as tf.Tensor4D, adapter), ft), fsIn, 'hint through the adapter');
    const bigTeacher = t4(r(2 * 4 * 4 * 3), [2, 4, 4, 3]);
    checkGradient((x) => attentionTransfer([[x as tf.Tensor4D, bigTeacher]]), fsIn, 'AT with a resized teacher map');
    const f2 = t4(r(2 * 1 * 1 * 3), [2, 1, 1, 3]);
    const gt = fspMatrix(t4(r(2 * 2 * 2 * 2), [2, 2, 2, 2]), f2);
    checkGradient((x) => fsp([[fspMatrix(x as tf.Tensor4D, f2), gt]]), fsIn, 'FSP');
    const vidParams = {
      w1: tf.tensor4d(r(4, 0.2, 1), [1, 1, 2, 2]),
      w2: tf.tensor4d(r(4, 0.2, 1), [1, 1, 2, 2]),
      w3: tf.tensor4d(r(6), [1, 1, 2, 3]),
      a: tf.tensor1d([VID_INIT_A, 0.5, -0.5]),
    };
    checkGradient((x) => vid(x as tf.Tensor4D, ft, vidParams), fsIn, 'VID in the student feature');
    checkGradient((a) => vid(fsIn, ft, { ...vidParams, a: a as tf.Tensor1D }), vidParams.a, 'VID in the variance parameter');
    const s4 = tf.tensor2d(r(8), [4, 2]);
    const t4l = tf.tensor2d(r(8), [4, 2]);
    const aux = [tf.tensor2d(r(32), [4, 8])];
    checkGradient((x) => hsakd({ student: x as tf.Tensor2D, teacher: t4l, studentAux: aux, teacherAux: aux, labels: tf.tensor1d([1]) }, 3).total, s4, 'HSAKD');
    const probs = tf.softmax(tf.tensor2d(r(6), [2, 3])) as tf.Tensor2D;
    checkGradient((x) => detectionClassKd(x as tf.Tensor2D, probs, labels, 0.3), zs, 'detection class KD');
    const boxes = tf.tensor2d(r(8), [2, 4]);
    checkGradient(
      (x) => teacherBoundedRegression(x as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D, tf.ones([2, 4]) as tf.Tensor2D, 100),
      boxes,
      'bounded regression',
    );
    tf.dispose([
      zt,
      labels,
      zs,
      ft,
      fsIn,
      adapter.kernel,
      adapter.gamma,
      adapter.beta,
      f2,
      gt,
      vidParams.w1,
      vidParams.w2,
      vidParams.w3,
      vidParams.a,
      s4,
      t4l,
      ...aux,
      probs,
      boxes,
    ]);
  });
}
