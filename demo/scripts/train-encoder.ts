// Trains the demo self-supervised encoder: a small CNN whose embedding is trained with the NT-Xent
// (SimCLR) loss on the shapes data. A positive pair is the same object — shape, size, place, angle —
// on two independently drawn backgrounds, each view then colour-jittered, flipped, sometimes made
// gray; so the only thing two views share is the object. Background is sometimes zeroed (all of it,
// or one random erasing), so that zero — the occlusion methods' fill — reads as "nothing here".
// Writes demo/models/encoder.
// Deterministic for a given backend: seeded data, augmentations and weights.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { augmentBatch, type AugmentOp } from '../../src/core/image/augment';
import { mulberry32 } from '../../src/core/explain/random';
import { randomErase, type ErasedRect } from '../../src/core/explain/pair/pairwise';
import { saveLayersModel } from '../../src/core/model/save';
import { buildEncoder, EMBEDDING_DIM, ntXent } from './lib/encoder';
import { CLASSES, IMAGE_SIZE, makeSample, type Box, type Sample } from './lib/shapes';

const DEMO = path.resolve(__dirname, '..', '..', 'demo');
const STEPS = Number(process.env.ENCODER_STEPS ?? 1000);
const BATCH = Number(process.env.ENCODER_BATCH ?? 48);
const TEMPERATURE = Number(process.env.ENCODER_TEMPERATURE ?? 0.2);
const LR = Number(process.env.ENCODER_LR ?? 0.003);

const VIEW_AUGMENT: AugmentOp[] = [
  { kind: 'jitter', strength: 0.5, p: 0.8 },
  { kind: 'gray', p: 0.2 },
];
/** Per view: the chance of a zero-filled rectangle on the background, and of the whole background zeroed. */
const ERASE_P = Number(process.env.ENCODER_ERASE ?? 0.5);
const BLACKOUT_P = Number(process.env.ENCODER_BLACKOUT ?? 0.15);

function overlaps(r: ErasedRect, b: Box): boolean {
  return r.left < b.x + b.width && b.x < r.left + r.width && r.top < b.y + b.height && b.y < r.top + r.height;
}

/**
 * One view of a sample: flipped with p = 0.5, and a keep-mask of 1s and 0s (zero is what occlusion
 * fills with) that never touches the object's box: sometimes one random erasing on the background
 * (the same distribution pairwise occlusion draws), sometimes everything but the box.
 */
function view(sample: Sample, rand: () => number): { pixels: Float32Array; keep: Float32Array } {
  const n = IMAGE_SIZE;
  let pixels = sample.pixels;
  let box = sample.box;
  if (rand() < 0.5) {
    pixels = new Float32Array(pixels.length);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) for (let c = 0; c < 3; c++) pixels[(y * n + x) * 3 + c] = sample.pixels[(y * n + n - 1 - x) * 3 + c];
    box = { ...box, x: n - box.x - box.width };
  }
  const keep = new Float32Array(n * n).fill(1);
  const u = rand();
  if (u < BLACKOUT_P) {
    keep.fill(0);
    for (let y = box.y; y < box.y + box.height; y++) keep.fill(1, y * n + box.x, y * n + box.x + box.width);
  } else if (u < BLACKOUT_P + ERASE_P) {
    for (let tries = 0; tries < 10; tries++) {
      const r = randomErase(rand, n, n);
      if (overlaps(r, box)) continue;
      for (let y = r.top; y < r.top + r.height; y++) keep.fill(0, y * n + r.left, y * n + r.left + r.width);
      break;
    }
  }
  return { pixels: pixels.map((v) => v / 255), keep };
}

/** B pairs: the same object on two backgrounds, as [2B, H, W, 3] in [0, 1] (views a then views b). */
function pairBatch(step: number): tf.Tensor4D {
  const rand = mulberry32(1000 + step);
  const a = new Float32Array(BATCH * IMAGE_SIZE * IMAGE_SIZE * 3);
  const b = new Float32Array(BATCH * IMAGE_SIZE * IMAGE_SIZE * 3);
  const keep = new Float32Array(2 * BATCH * IMAGE_SIZE * IMAGE_SIZE);
  for (let i = 0; i < BATCH; i++) {
    const objectSeed = Math.floor(rand() * 2 ** 31);
    const label = Math.floor(rand() * CLASSES.length);
    const first = makeSample(mulberry32(objectSeed), label, false, IMAGE_SIZE, mulberry32(Math.floor(rand() * 2 ** 31)));
    const second = makeSample(mulberry32(objectSeed), label, false, IMAGE_SIZE, mulberry32(Math.floor(rand() * 2 ** 31)));
    const va = view(first, rand);
    const vb = view(second, rand);
    a.set(va.pixels, i * IMAGE_SIZE * IMAGE_SIZE * 3);
    b.set(vb.pixels, i * IMAGE_SIZE * IMAGE_SIZE * 3);
    keep.set(va.keep, i * IMAGE_SIZE * IMAGE_SIZE);
    keep.set(vb.keep, (BATCH + i) * IMAGE_SIZE * IMAGE_SIZE);
  }
  return tf.tidy(() => {
    const shape: [number, number, number, number] = [BATCH, IMAGE_SIZE, IMAGE_SIZE, 3];
    // Colour jitter and gray first, then the zeros: a zeroed pixel stays exactly 0, as occlusion's fill.
    const views = tf.concat([augmentBatch(tf.tensor4d(a, shape), VIEW_AUGMENT, 2 * step), augmentBatch(tf.tensor4d(b, shape), VIEW_AUGMENT, 2 * step + 1)]);
    return tf.mul(views, tf.tensor4d(keep, [2 * BATCH, IMAGE_SIZE, IMAGE_SIZE, 1])) as tf.Tensor4D;
  });
}

async function main(): Promise<void> {
  const backend = await initEngine({ backend: (process.env.MODEL_LENS_BACKEND as never) ?? 'wasm' });
  const started = Date.now();
  const model = buildEncoder();
  const optimizer = tf.train.adam(LR);
  console.log(`training the encoder on ${backend}: ${STEPS} steps of ${BATCH} pairs, NT-Xent τ = ${TEMPERATURE}`);
  let running = 0;
  for (let step = 0; step < STEPS; step++) {
    const x = pairBatch(step);
    const loss = optimizer.minimize(() => ntXent(model.apply(x, { training: true }) as tf.Tensor2D, TEMPERATURE), true) as tf.Scalar;
    const value = (await loss.data())[0];
    running = step === 0 ? value : 0.95 * running + 0.05 * value;
    tf.dispose([x, loss]);
    if ((step + 1) % 25 === 0) console.log(`step ${step + 1}: loss ${running.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const dir = process.env.ENCODER_OUT ? path.resolve(process.env.ENCODER_OUT) : path.join(DEMO, 'models', 'encoder');
  fs.rmSync(dir, { recursive: true, force: true });
  await saveLayersModel(model, dir);
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# The demo self-supervised encoder

Written by \`npm run demo:train-encoder\` (demo/scripts/train-encoder.ts); explained by \`model-lens pair\`
and the pair panel ("Model Lens: Explain Similarity…").

- Input: 64×64 RGB in [0, 1] (the default preprocessing). Output \`embedding\`: ${EMBEDDING_DIM} numbers (the
  projection head); \`--embedding features\` gives the 64-channel global average pool before it.
- Architecture: conv 16 → max-pool → conv 32 → max-pool → conv 48 → conv 64 (\`last_conv\`, each conv with
  batch norm and ReLU) → global average pooling (\`features\`) → dense 64 ReLU → dense ${EMBEDDING_DIM}.
- Training: NT-Xent (SimCLR), temperature ${TEMPERATURE}, Adam (learning rate ${LR}), ${STEPS} steps of ${BATCH} pairs on ${backend}
  (${((Date.now() - started) / 60000).toFixed(0)} minutes), final running loss ${running.toFixed(3)} (chance: ${Math.log(2 * BATCH - 1).toFixed(3)}).
- Data, made by the script: a positive pair is the same object (shape, size, place, angle) drawn on two
  independently generated striped backgrounds; each view is flipped (p = 0.5), colour-jittered
  (strength 0.5, p = 0.8) and made gray (p = 0.2). The object is the only thing two views share.
- Zeros, the fill of every occlusion method, are made familiar: in a view, with p = ${BLACKOUT_P}
  everything outside the object's box is set to 0, and with p = ${ERASE_P} one random erasing (10–30 % of
  the area, as pairwise occlusion draws them) that misses the box is. So hiding background leaves
  the embedding where it was, and hiding the object moves it — what the explanations should find.
- Seeded: the same backend gives the same weights.
`,
  );
  console.log(`wrote ${dir} (${((Date.now() - started) / 1000).toFixed(0)} s); chance-level loss would be ${Math.log(2 * BATCH - 1).toFixed(3)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
