/**
 * The distillation losses of DISTILLATION.md, each a pure function of tensors (no state, no variables of
 * its own: a learned part — an adaptation layer, VID's regressor — comes in as a weights argument), and a
 * table from the `--loss` names of loss-specs.ts to the ones the trainer combines. Every loss returns a
 * scalar; batch means are over the first axis. Tests: hand-computed values and finite-difference
 * gradients on cpu and wasm (test/unit/distill/losses.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DETECTION_BACKGROUND_WEIGHT, ROTATIONS, VID_EPS, VID_INIT_VARIANCE } from './loss-specs';

/** Cross-entropy of logits [B, K] against integer labels [B], batch mean. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1])), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/**
 * Hinton KD, the `kd` term alone: T²·KL(p_t^T ‖ p_s^T), the KL summed over classes and averaged over the
 * batch (not over classes: PyTorch's reduction='mean' would divide by K too), with log-softmax on both
 * sides. The T² factor keeps the gradient's scale independent of T.
 */
export function hintonKd(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/** Batch norm over a batch's own moments (training mode), per channel of an NHWC tensor. */
function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5) as tf.Tensor4D;
}

/** FitNet's adaptation layer r: a k×k convolution (stride 2 when the student's map is twice the teacher's) + batch norm + ReLU. */
export interface HintAdapter {
  /** [k, k, C_s, C_t] */
  kernel: tf.Tensor4D;
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
}

export function adaptHint(studentFeature: tf.Tensor4D, adapter: HintAdapter, stride: 1 | 2 = 1): tf.Tensor4D {
  return tf.tidy(() => tf.relu(batchNormTrain(tf.conv2d(studentFeature, adapter.kernel, stride, 'same'), adapter.gamma, adapter.beta)));
}

/** FitNet hint: mean((r(F_s) − F_t)²) over every element. */
export function fitnetHint(adaptedStudent: tf.Tensor4D, teacherFeature: tf.Tensor4D): tf.Scalar {
  if (adaptedStudent.shape.join() !== teacherFeature.shape.join())
    throw new Error(
      `hint: the adapted student feature ${JSON.stringify(adaptedStudent.shape)} differs from the teacher's ${JSON.stringify(teacherFeature.shape)}`,
    );
  return tf.tidy(() => tf.mean(tf.squaredDifference(adaptedStudent, teacherFeature)) as tf.Scalar);
}

/** Attention map a(F) of an NHWC feature: mean over channels of F², flattened over positions and L2-normalised per image: [B, H·W]. */
export function attentionMap(f: tf.Tensor4D, size?: [number, number]): tf.Tensor2D {
  return tf.tidy(() => {
    let a = tf.mean(tf.square(f), 3, true) as tf.Tensor4D;
    if (size && (size[0] !== f.shape[1] || size[1] !== f.shape[2])) a = tf.image.resizeBilinear(a, size, true);
    const flat = tf.reshape(a, [f.shape[0], -1]) as tf.Tensor2D;
    const norm = tf.maximum(tf.norm(flat, 'euclidean', 1, true), 1e-12);
    return tf.div(flat, norm) as tf.Tensor2D;
  });
}

/** Attention transfer: Σ over layer pairs of mean((a_s − a_t)²), the larger map resized to the smaller one's size. */
export function attentionTransfer(pairs: [tf.Tensor4D, tf.Tensor4D][]): tf.Scalar {
  return tf.tidy(() => {
    const terms = pairs.map(([s, t]) => {
      const size: [number, number] = [Math.min(s.shape[1], t.shape[1]), Math.min(s.shape[2], t.shape[2])];
      return tf.mean(tf.squaredDifference(attentionMap(s, size), attentionMap(t, size)));
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

/** The FSP matrix of two feature maps of one network: G = (1/(H·W))·Σ_positions F¹_c·F²_c', F¹ average-pooled to F²'s resolution: [B, C₁, C₂]. */
export function fspMatrix(f1: tf.Tensor4D, f2: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    let a = f1;
    if (f1.shape[1] !== f2.shape[1] || f1.shape[2] !== f2.shape[2]) {
      const fy = f1.shape[1] / f2.shape[1];
      const fx = f1.shape[2] / f2.shape[2];
      if (!Number.isInteger(fy) || !Number.isInteger(fx))
        throw new Error(`FSP: ${f1.shape[1]}×${f1.shape[2]} does not pool evenly to ${f2.shape[1]}×${f2.shape[2]}`);
      a = tf.avgPool(f1, [fy, fx], [fy, fx], 'valid');
    }
    const [b, h, w] = f2.shape;
    const x = tf.reshape(a, [b, h * w, a.shape[3]]);
    const y = tf.reshape(f2, [b, h * w, f2.shape[3]]);
    return tf.div(tf.matMul(x, y, true, false), h * w) as tf.Tensor3D;
  });
}

/** FSP: mean over layer pairs of ‖G_s − G_t‖² (the squared Frobenius norm, averaged over the batch). Each pair is [student G, teacher G]. */
export function fsp(pairs: [tf.Tensor3D, tf.Tensor3D][]): tf.Scalar {
  return tf.tidy(() => {
    const terms = pairs.map(([gs, gt]) => tf.mean(tf.sum(tf.squaredDifference(gs, gt), [1, 2])));
    return tf.div(tf.addN(terms), pairs.length) as tf.Scalar;
  });
}

/** VID's regressor μ = r(F_s) (1×1 conv → ReLU → 1×1 conv → ReLU → 1×1 conv) and its per-channel variance parameter a. */
export interface VidParams {
  w1: tf.Tensor4D;
  w2: tf.Tensor4D;
  w3: tf.Tensor4D;
  /** [C_t]: σ²_c = softplus(a_c) + ε */
  a: tf.Tensor1D;
}

/** a such that softplus(a) + ε = the starting variance 5. */
export const VID_INIT_A = Math.log(Math.exp(VID_INIT_VARIANCE - VID_EPS) - 1);

/** VID: mean over batch, positions and channels of ½[(μ − F_t)²/σ² + log σ²]. */
export function vid(studentFeature: tf.Tensor4D, teacherFeature: tf.Tensor4D, p: VidParams): tf.Scalar {
  return tf.tidy(() => {
    const mu = tf.conv2d(tf.relu(tf.conv2d(tf.relu(tf.conv2d(studentFeature, p.w1, 1, 'same')), p.w2, 1, 'same')), p.w3, 1, 'same');
    const variance = tf.add(tf.softplus(p.a), VID_EPS);
    const nll = tf.add(tf.div(tf.squaredDifference(mu, teacherFeature), variance), tf.log(variance));
    return tf.mul(0.5, tf.mean(nll)) as tf.Scalar;
  });
}

/**
 * HSAKD's self-supervised augmentation: every image under 4 rotations (0°, 90°, 180°, 270°), rotation-major
 * ([4B, H, W, C], rows r·B … r·B + B − 1 rotated by r·90°), and the joint labels class·4 + rotation.
 */
export function rotateBatch(x: tf.Tensor4D, labels?: tf.Tensor1D): { x: tf.Tensor4D; joint?: tf.Tensor1D } {
  return tf.tidy(() => {
    if (x.shape[1] !== x.shape[2]) throw new Error(`HSAKD rotations need square inputs (got ${x.shape[1]}×${x.shape[2]})`);
    const views: tf.Tensor4D[] = [x];
    for (let r = 1; r < ROTATIONS; r++) views.push(tf.reverse(tf.transpose(views[r - 1], [0, 2, 1, 3]), 2) as tf.Tensor4D);
    const out = tf.concat(views, 0) as tf.Tensor4D;
    if (!labels) return { x: out };
    const l = tf.cast(labels, 'int32');
    const joint = tf.concat(
      Array.from({ length: ROTATIONS }, (_, r) => tf.add(tf.mul(l, ROTATIONS), r)),
      0,
    ) as tf.Tensor1D;
    return { x: out, joint };
  });
}

/**
 * HSAKD's student loss: CE on the un-rotated logits (the first B rows) + Σ over auxiliary heads of
 * T²·KL(aux_t ‖ aux_s) over all rotations + T²·KL(p_t ‖ p_s) over all rotations. Logits are [4B, K] and the
 * auxiliary heads' [4B, 4K], rotation-major (rotateBatch).
 */
export function hsakd(
  o: { student: tf.Tensor2D; teacher: tf.Tensor2D; studentAux: tf.Tensor2D[]; teacherAux: tf.Tensor2D[]; labels: tf.Tensor1D },
  temperature: number,
): { total: tf.Scalar; ce: tf.Scalar; aux: tf.Scalar; kd: tf.Scalar } {
  const b = o.labels.shape[0];
  if (o.student.shape[0] !== ROTATIONS * b)
    throw new Error(`HSAKD: ${o.student.shape[0]} logits rows for ${b} labels (expected ${ROTATIONS * b}: 4 rotations)`);
  return tf.tidy(() => {
    const ce = crossEntropy(tf.slice(o.student, [0, 0], [b, -1]), o.labels);
    const aux = o.studentAux.length ? (tf.addN(o.studentAux.map((s, i) => hintonKd(s, o.teacherAux[i], temperature))) as tf.Scalar) : tf.scalar(0);
    const kd = hintonKd(o.student, o.teacher, temperature);
    return { total: tf.addN([ce, aux, kd]) as tf.Scalar, ce, aux, kd };
  });
}

/** ASDT: which of two teachers' KD terms is on at step t (period P steps, duty cycle D in (0, 1)): 1 while (t mod P) < D·P, else 2. */
export function asdtTeacher(step: number, period: number, duty: number): 1 | 2 {
  return step % period < duty * period ? 1 : 2;
}

/**
 * Detection KD, classification: μ·CE(P_s, y) + (1 − μ)·(−Σ_c w_c·P_t,c·log P_s,c), class 0 the background
 * (weight 1.5), the others 1; mean over boxes. Student logits and teacher probabilities are [N, K].
 */
export function detectionClassKd(
  studentLogits: tf.Tensor2D,
  teacherProbs: tf.Tensor2D,
  labels: tf.Tensor1D,
  mu: number,
  backgroundWeight = DETECTION_BACKGROUND_WEIGHT,
): tf.Scalar {
  return tf.tidy(() => {
    const k = studentLogits.shape[1];
    const weights = tf.tensor1d(Array.from({ length: k }, (_, c) => (c === 0 ? backgroundWeight : 1)));
    const logPs = tf.logSoftmax(studentLogits);
    const soft = tf.neg(tf.mean(tf.sum(tf.mul(tf.mul(weights, teacherProbs), logPs), 1)));
    return tf.add(tf.mul(mu, crossEntropy(studentLogits, labels)), tf.mul(1 - mu, soft)) as tf.Scalar;
  });
}

/** Detection KD, teacher-bounded regression: per box ‖R_s − y‖² when ‖R_s − y‖² + m > ‖R_t − y‖², else 0; mean over boxes ([N, 4]). */
export function teacherBoundedRegression(student: tf.Tensor2D, teacher: tf.Tensor2D, target: tf.Tensor2D, margin: number): tf.Scalar {
  return tf.tidy(() => {
    const ds = tf.sum(tf.squaredDifference(student, target), 1);
    const dt = tf.sum(tf.squaredDifference(teacher, target), 1);
    // 1 where ‖R_s − y‖² + m > ‖R_t − y‖², else 0: a step written with sign (whose gradient is zero), as greater has none.
    const active = tf.relu(tf.sign(tf.sub(tf.add(ds, margin), dt)));
    return tf.mean(tf.mul(ds, active)) as tf.Scalar;
  });
}
