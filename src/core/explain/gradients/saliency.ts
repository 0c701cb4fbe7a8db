import * as tf from '@tensorflow/tfjs-core';
import { inputGradient } from '../../model/gradient';
import { tidyValue } from '../../engine/tidy';
import { gridOf } from '../grid';
import type { Attribution, ExplainContext } from '../types';

/** Saliency: |∂score/∂x|, max over channels. */
export async function saliency(ctx: ExplainContext): Promise<Attribution> {
  const grid = tidyValue(() => gridOf(tf.max(tf.abs(inputGradient(ctx.model, ctx.input, ctx.score)), -1)));
  return { grid, signed: false };
}

/** Gradient × input: x ⊙ ∂score/∂x, summed over channels (signed). */
export async function gradientTimesInput(ctx: ExplainContext): Promise<Attribution> {
  const grid = tidyValue(() => gridOf(tf.sum(tf.mul(ctx.input, inputGradient(ctx.model, ctx.input, ctx.score)), -1)));
  return { grid, signed: true };
}
