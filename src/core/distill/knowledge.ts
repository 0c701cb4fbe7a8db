/**
 * Knowledge points (Cheng, Rao, Chen, Zhang, CVPR 2020; ../shared/design/DISTILLATION.md): per image,
 * learn a noise scale σ on a 16×16 grid (upsampled nearest to the input; clamped to [0.001, 1], starting
 * at 0.01) that discards as much information as the chosen layer allows —
 *   loss = E‖ReLU f(x + σ⊙ε) − ReLU f(x)‖² / n_f − λ · mean_i H_i,  H_i = log σ_i + ½ log(2πe),
 * n_f the same feature change with a constant σ = 0.01 — by Adam (lr 0.01) on log σ. A cell is a knowledge
 * point when the background's mean entropy exceeds its entropy by more than b: the model keeps it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationBytesPerItem, batchSizeFor } from '../engine/memory';
import { throwIfAborted } from '../errors';
import { mulberry32 } from '../explain/random';
import type { InspectableModel } from '../model/types';
import type { InputBox, KnowledgeParams, KnowledgeResult } from './knowledge-types';

export type { InputBox, KnowledgeParams, KnowledgeResult } from './knowledge-types';

export const GRID = 16;
export const SIGMA_MIN = 0.001;
export const SIGMA_MAX = 1;
export const SIGMA_START = 0.01;
/** ½ log(2πe): the entropy of a unit Gaussian, in nats. */
export const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);

export const KNOWLEDGE_DEFAULTS: KnowledgeParams = { steps: 300, samples: 16, lambda: 6.5, b: 0.2, lr: 0.01, seed: 0 };

/** The entropy of a Gaussian of scale σ: log σ + ½ log(2πe). */
export const entropyOf = (sigma: number): number => Math.log(sigma) + HALF_LOG_2PI_E;

/** Which cells are foreground: those whose centre lies in the box (input pixels). */
export function foregroundCells(height: number, width: number, box: InputBox): boolean[] {
  const fg: boolean[] = [];
  for (let r = 0; r < GRID; r++)
    for (let c = 0; c < GRID; c++) {
      const cx = ((c + 0.5) * width) / GRID;
      const cy = ((r + 0.5) * height) / GRID;
      fg.push(cx >= box.x && cx < box.x + box.width && cy >= box.y && cy < box.y + box.height);
    }
  return fg;
}

/** Points from a grid of entropies: cells whose entropy is more than b below the background's mean. */
export function knowledgePoints(entropy: ArrayLike<number>, fg: boolean[], b: number): Omit<KnowledgeResult, 'entropy'> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < entropy.length; i++)
    if (!fg[i]) {
      sum += entropy[i];
      count++;
    }
  const meanEntropyBg = count ? sum / count : NaN;
  const points: [number, number][] = [];
  let nFg = 0;
  let nBg = 0;
  for (let i = 0; i < entropy.length; i++) {
    if (meanEntropyBg - entropy[i] > b) {
      points.push([Math.floor(i / GRID), i % GRID]);
      if (fg[i]) nFg++;
      else nBg++;
    }
  }
  return { points, nFg, nBg, lambdaFg: nFg + nBg ? nFg / (nFg + nBg) : null, meanEntropyBg };
}

/** The 16×16 grid upsampled nearest to [1, H, W, 1]: cell (⌊row·16/H⌋, ⌊col·16/W⌋). */
function upsampleIndex(height: number, width: number): tf.Tensor1D {
  const idx = new Int32Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) idx[y * width + x] = Math.floor((y * GRID) / height) * GRID + Math.floor((x * GRID) / width);
  return tf.tensor1d(idx, 'int32');
}

/** Seeded standard normal noise (Box–Muller on mulberry32), the same on every backend. */
function normalNoise(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Learns σ for one preprocessed input [1, H, W, C] at `layer` and returns the entropy grid and the
 * knowledge points for `box` (model-input pixels). Seeded; no tensor is left behind.
 */
export async function knowledgeOf(
  model: InspectableModel,
  input: tf.Tensor4D,
  layer: string,
  box: InputBox,
  params: Partial<KnowledgeParams> = {},
  opts: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal; chunk?: number } = {},
): Promise<KnowledgeResult> {
  const p = { ...KNOWLEDGE_DEFAULTS, ...params };
  // Samples per forward/backward pass: all of them, unless the memory budget (or `chunk`) says fewer.
  const chunk = Math.max(1, Math.min(p.samples, opts.chunk ?? batchSizeFor(activationBytesPerItem(model, input.shape), true)));
  const [, height, width, channels] = input.shape;
  const rand = mulberry32(p.seed + 1);
  // Only the part of the network up to the layer runs: the outputs are not needed.
  const feature = (x: tf.Tensor): tf.Tensor => tf.relu(model.forward(x, { taps: [layer], outputs: false }).taps[0]);
  const noise = (): tf.Tensor4D => tf.tensor4d(normalNoise(p.samples * height * width * channels, rand), [p.samples, height, width, channels]);
  const base = tf.tidy(() => tf.keep(feature(input)));
  const index = upsampleIndex(height, width);
  const start = tf.fill([GRID * GRID], Math.log(SIGMA_START));
  const logSigma = tf.variable(start);
  start.dispose();
  const optimizer = tf.train.adam(p.lr);
  try {
    /** Σ‖ReLU f(x + σ⊙ε) − ReLU f(x)‖² over the given samples / all samples, σ per pixel [1, H, W, 1]. */
    const change = (sigmaPixels: tf.Tensor, eps: tf.Tensor4D): tf.Scalar =>
      tf.div(tf.sum(tf.square(tf.sub(feature(tf.add(input, tf.mul(sigmaPixels, eps))), base))), p.samples) as tf.Scalar;
    const nF = tf.tidy(() => {
      const eps = noise();
      const sigma0 = tf.fill([1, height, width, 1], SIGMA_START);
      let sum = 0;
      for (let start = 0; start < p.samples; start += chunk)
        sum += change(sigma0, tf.slice(eps, [start, 0, 0, 0], [Math.min(chunk, p.samples - start), -1, -1, -1])).dataSync()[0];
      return Math.max(sum, 1e-12);
    });
    for (let step = 0; step < p.steps; step++) {
      throwIfAborted(opts.signal);
      tf.tidy(() => {
        const eps = noise();
        /** The loss of `share` of the samples (a chunk of them): the chunks' losses add up to the step's. */
        const loss = (e: tf.Tensor4D, share: number) => (): tf.Scalar => {
          const sigma = tf.clipByValue(tf.exp(logSigma), SIGMA_MIN, SIGMA_MAX);
          const perPixel = tf.reshape(tf.gather(sigma, index), [1, height, width, 1]);
          const entropy = tf.add(tf.log(sigma), HALF_LOG_2PI_E);
          return tf.sub(tf.div(change(perPixel, e), nF), tf.mul(p.lambda * share, tf.mean(entropy))) as tf.Scalar;
        };
        // Only σ learns: without the list, Adam would update every trainable variable — the model's weights too.
        if (chunk >= p.samples) optimizer.minimize(loss(eps, 1), false, [logSigma]);
        else {
          // More samples than the memory budget holds at once: the gradient summed over chunks, one Adam step.
          let sum: tf.Tensor | undefined;
          for (let start = 0; start < p.samples; start += chunk) {
            const n = Math.min(chunk, p.samples - start);
            const { grads } = tf.variableGrads(loss(tf.slice(eps, [start, 0, 0, 0], [n, -1, -1, -1]), n / p.samples), [logSigma]);
            sum = sum ? tf.add(sum, grads[logSigma.name]) : grads[logSigma.name];
          }
          optimizer.applyGradients([{ name: logSigma.name, tensor: sum! }]);
        }
      });
      opts.onProgress?.(step + 1, p.steps);
      if (step % 10 === 9) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const entropy = tf.tidy(() => tf.add(tf.log(tf.clipByValue(tf.exp(logSigma), SIGMA_MIN, SIGMA_MAX)), HALF_LOG_2PI_E).dataSync() as Float32Array);
    return { entropy: Float32Array.from(entropy), ...knowledgePoints(entropy, foregroundCells(height, width, box), p.b) };
  } finally {
    base.dispose();
    index.dispose();
    logSigma.dispose();
    optimizer.dispose();
  }
}
