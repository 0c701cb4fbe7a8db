import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../errors';
import { baseSimilarity, embed, PairProgress } from './common';
import { pairScore } from './embedding';
import type { PairAttribution, PairContext } from './types';

/**
 * Interaction-CAM: features F₁, F₂ of the two views at the layer, gradients G₁, G₂ of the pair
 * similarity with respect to them; joint channel weight J = GAP(F₁) ⊙ GAP(F₂) (or global max
 * pooling); map_i = Σ_c F_i ⊙ J ⊙ ReLU(G_i), at the layer's resolution.
 */
export async function interactionCam(ctx: PairContext): Promise<PairAttribution> {
  const base = baseSimilarity(ctx);
  const progress = new PairProgress(ctx, 2);
  const grads = [];
  for (const [x, other] of [
    [ctx.a, ctx.b],
    [ctx.b, ctx.a],
  ] as const) {
    const e = embed(ctx, other);
    try {
      grads.push(ctx.model.layerGradient(x, ctx.layer, pairScore(e, ctx.similarity)));
    } finally {
      e.dispose();
    }
    await progress.step(1);
  }
  const [ga, gb] = grads;
  try {
    if (ga.activation.rank !== 4) {
      throw new InputError(
        `Layer "${ctx.layer}" has a ${ga.activation.rank}-D output [${ga.activation.shape.join(', ')}]; Interaction-CAM needs a 4-D (batch, height, width, channels) layer.`,
      );
    }
    const [maps, joint] = tf.tidy(() => {
      const pool = (f: tf.Tensor) => (ctx.params.joint === 'max' ? tf.max(f, [0, 1, 2]) : tf.mean(f, [0, 1, 2]));
      const j = tf.mul(pool(ga.activation), pool(gb.activation));
      const map = (f: tf.Tensor, g: tf.Tensor) => tf.squeeze(tf.sum(tf.mul(tf.mul(f, j), tf.relu(g)), 3), [0]);
      return [[map(ga.activation, ga.gradient), map(gb.activation, gb.gradient)], j];
    });
    const [h, w] = maps[0].shape;
    const result: PairAttribution = {
      a: { grid: { width: w, height: h, values: maps[0].dataSync() as Float32Array }, signed: false },
      b: { grid: { width: w, height: h, values: maps[1].dataSync() as Float32Array }, signed: false },
      base,
      details: { channels: joint.shape[0] },
    };
    tf.dispose([...maps, joint]);
    return result;
  } finally {
    tf.dispose([ga.activation, ga.gradient, gb.activation, gb.gradient]);
  }
}
