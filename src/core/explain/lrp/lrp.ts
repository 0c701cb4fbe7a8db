/**
 * Layer-wise relevance propagation (Bach et al. 2015; the rules as in Montavon et al., "Layer-wise relevance
 * propagation: an overview", 2019). The model is read as an LRP graph (model/lrp-graph.ts); the relevance
 * of the target starts at the logits as R = logits ⊙ ∂score/∂logits (the target's logit, the others 0) and
 * flows back to the input node by node. Each rule of a linear layer f (dense, convolution, depthwise
 * convolution; batch norm folded in) is computed with one vector-Jacobian product per weight set, the
 * "gradient × input" form of the rule:
 *   ε:      z = f(a; W, b),  s = R / (z + ε·sign z),  R_in = a ⊙ Wᵀs
 *   αβ:     z⁺ = f(a⁺; W⁺) + f(a⁻; W⁻),  z⁻ = f(a⁺; W⁻) + f(a⁻; W⁺),
 *           R_in = α (a⁺ ⊙ W⁺ᵀs⁺ + a⁻ ⊙ W⁻ᵀs⁺) − β (a⁺ ⊙ W⁻ᵀs⁻ + a⁻ ⊙ W⁺ᵀs⁻),  s± = R / z±   (biases left out)
 *   z⁺:     αβ with α = 1, β = 0
 *   bounded (z^B, the first linear layer): z = f(a; W) − f(l; W⁺) − f(h; W⁻),  R_in = a ⊙ Wᵀs − l ⊙ W⁺ᵀs − h ⊙ W⁻ᵀs,
 *           l and h the lowest and highest input the preprocessing can produce.
 * Pooling takes the ε rule with a vanishing ε (max pooling hands each window's relevance to its maximum,
 * average pooling shares it in proportion to the inputs); Add shares in proportion to the summands;
 * a batch norm that could not be folded takes the ε rule as the linear layer it is (a diagonal weight);
 * ReLU, element-wise nodes on the input side (rescaling, normalisation), padding, reshape and
 * concatenation pass relevance through unchanged, cropped or split. Presets (`--lrp-rule`):
 *   composite — bounded at the input, z⁺ for convolutions, ε for dense layers (Kohlbrenner et al. 2020);
 *   epsilon   — ε everywhere (for ε → 0 in a ReLU network: gradient × input, biases and all);
 *   zplus     — bounded at the input, z⁺ for every other linear layer;
 *   alphabeta — bounded at the input, αβ for every other linear layer (α − β = 1).
 * The map is the input relevance summed over channels (signed). Conservation: with no biases, Σ R_in = the
 * target's logit for ε → 0; z⁺ and the bounded rule conserve too, except that z⁺ drops the relevance of a
 * neuron with no positive input (after an Add, say), and αβ gives α·R where a neuron has no negative part;
 * `details` reports both sums (relevanceSum, outputRelevance) so the loss is visible.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../errors';
import { disposeLrpGraph, type LrpGraph, type LrpNode, type LrpOp } from '../../model/lrp-graph';
import { tidyValue } from '../../engine/tidy';
import { gridOf } from '../grid';
import type { LrpRule, MethodParams } from '../specs';
import { unitScore } from '../target';
import type { InspectableModel } from '../../model/types';
import type { Attribution, ExplainContext, ScoreFn } from '../types';

/** The smallest stabiliser of a denominator (an ε of 0 still never divides by 0). */
const TINY = 1e-9;

export interface LrpOptions {
  rule: LrpRule;
  epsilon: number;
  alpha: number;
  beta: number;
  /** The input's lowest and highest value per channel (from the preprocessing); default: the input's own min and max. */
  bounds?: { low: number[]; high: number[] };
}

type Linear = Extract<LrpOp, { kind: 'dense' | 'conv' | 'depthwise' }>;
const isLinear = (op: LrpOp): op is Linear => op.kind === 'dense' || op.kind === 'conv' || op.kind === 'depthwise';

function applyLinear(op: Linear, x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  let y: tf.Tensor;
  if (op.kind === 'dense') y = tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
  else {
    const pad = Array.isArray(op.pad)
      ? ([[0, 0], op.pad[0], op.pad[1], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]])
      : op.pad;
    y =
      op.kind === 'conv'
        ? tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, op.strides, pad, 'NHWC', op.dilations)
        : tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, op.strides, pad, 'NHWC', op.dilations);
  }
  return bias ? tf.add(y, bias) : y;
}

/** One node's output from its inputs' outputs. */
export function applyLrpNode(op: LrpOp, xs: tf.Tensor[]): tf.Tensor {
  const x = xs[0];
  switch (op.kind) {
    case 'input':
      return x;
    case 'dense':
    case 'conv':
    case 'depthwise':
      return applyLinear(op, x, op.kernel, op.bias);
    case 'maxpool':
      return tf.maxPool(x as tf.Tensor4D, op.size, op.strides, op.pad);
    case 'avgpool':
      return tf.avgPool(x as tf.Tensor4D, op.size, op.strides, op.pad);
    case 'gap':
      return tf.mean(x, [1, 2]);
    case 'gmp':
      return tf.max(x, [1, 2]);
    case 'affine':
      return tf.add(tf.mul(x, op.scale), op.shift);
    case 'relu':
      return op.max === undefined ? tf.relu(x) : tf.clipByValue(x, 0, op.max);
    case 'add':
      return xs.length === 1 ? x : tf.addN(xs);
    case 'concat':
      return tf.concat(xs, op.axis);
    case 'reshape':
      return tf.reshape(op.fromNhwc ? tf.transpose(x, [0, 3, 1, 2]) : x, [x.shape[0], ...op.shape]);
    case 'pad':
      return tf.pad(x, [[0, 0], op.pads[0], op.pads[1], [0, 0]], op.value ?? 0);
    case 'identity':
      return x;
  }
}

/** z + ε·sign(z), sign(0) = 1. */
const stabilise = (z: tf.Tensor, eps: number) => tf.add(z, tf.mul(tf.sub(tf.mul(tf.cast(tf.greaterEqual(z, 0), 'float32'), 2), 1), eps));

/** Wᵀs: the vector-Jacobian product of the linear map x ↦ f(x; kernel) at s (independent of x). */
function vjp(op: Linear, like: tf.Tensor, kernel: tf.Tensor, s: tf.Tensor): tf.Tensor {
  return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(applyLinear(op, x, kernel), s)))(tf.zerosLike(like));
}

function epsilonRule(op: Linear, a: tf.Tensor, r: tf.Tensor, eps: number): tf.Tensor {
  const s = tf.div(r, stabilise(applyLinear(op, a, op.kernel, op.bias), Math.max(eps, TINY)));
  return tf.mul(a, vjp(op, a, op.kernel, s));
}

function alphaBetaRule(op: Linear, a: tf.Tensor, r: tf.Tensor, alpha: number, beta: number): tf.Tensor {
  const wp = tf.relu(op.kernel);
  const wn = tf.minimum(op.kernel, 0);
  const ap = tf.relu(a);
  const an = tf.minimum(a, 0);
  const share = (pos: tf.Tensor, neg: tf.Tensor) => {
    // the part of z made of products with the sign of (pos·ap + neg·an)
    const z = tf.add(applyLinear(op, ap, pos), applyLinear(op, an, neg));
    const s = tf.div(r, stabilise(z, TINY));
    return tf.add(tf.mul(ap, vjp(op, a, pos, s)), tf.mul(an, vjp(op, a, neg, s)));
  };
  const positive = tf.mul(share(wp, wn), alpha);
  return beta === 0 ? positive : tf.sub(positive, tf.mul(share(wn, wp), beta));
}

function boundedRule(op: Linear, a: tf.Tensor, r: tf.Tensor, low: tf.Tensor, high: tf.Tensor): tf.Tensor {
  const wp = tf.relu(op.kernel);
  const wn = tf.minimum(op.kernel, 0);
  const z = tf.sub(tf.sub(applyLinear(op, a, op.kernel), applyLinear(op, low, wp)), applyLinear(op, high, wn));
  const s = tf.div(r, stabilise(z, TINY));
  return tf.sub(tf.sub(tf.mul(a, vjp(op, a, op.kernel, s)), tf.mul(low, vjp(op, a, wp, s))), tf.mul(high, vjp(op, a, wn, s)));
}

/** The relevance a node's inputs receive from the relevance `r` of its output. */
function redistribute(
  node: LrpNode,
  xs: tf.Tensor[],
  r: tf.Tensor,
  linearRule: (op: Linear, a: tf.Tensor, r: tf.Tensor) => tf.Tensor,
  /** ε of an element-wise affine node away from the input (undefined: on the input side, where it passes relevance through). */
  affineEpsilon: number | undefined,
): tf.Tensor[] {
  const op = node.op;
  const x = xs[0];
  switch (op.kind) {
    case 'input':
      return [];
    case 'dense':
    case 'conv':
    case 'depthwise':
      return [linearRule(op, x, r)];
    case 'maxpool':
    case 'avgpool':
    case 'gap':
    case 'gmp': {
      const s = tf.div(r, stabilise(applyLrpNode(op, [x]), TINY));
      return [tf.mul(x, tf.grad((v: tf.Tensor) => tf.sum(tf.mul(applyLrpNode(op, [v]), s)))(x))];
    }
    case 'add': {
      const s = tf.div(r, stabilise(applyLrpNode(op, xs), TINY));
      return xs.map((v) => tf.mul(v, s));
    }
    case 'concat':
      return tf.split(
        r,
        xs.map((v) => v.shape[op.axis]),
        op.axis,
      );
    case 'reshape':
      return [
        op.fromNhwc
          ? tf.transpose(
              tf.reshape(
                r,
                [0, 3, 1, 2].map((a) => x.shape[a]),
              ),
              [0, 2, 3, 1],
            )
          : tf.reshape(r, x.shape),
      ];
    case 'pad':
      return [tf.slice(r, [0, op.pads[0][0], op.pads[1][0], 0], x.shape)];
    case 'affine':
      // A batch norm that could not be folded is a linear layer with a diagonal weight: the ε rule.
      if (affineEpsilon !== undefined) return [tf.mul(tf.mul(x, op.scale), tf.div(r, stabilise(applyLrpNode(op, [x]), affineEpsilon)))];
      return [r];
    case 'relu':
    case 'identity':
      return [r];
  }
}

/** Which linear nodes read the input only through element-wise or shape operations (they take the bounded rule). */
function inputSide(g: LrpGraph): boolean[] {
  const side: boolean[] = [];
  g.nodes.forEach((n, i) => {
    side[i] = n.op.kind === 'input' || (['identity', 'affine', 'pad', 'reshape'].includes(n.op.kind) && n.inputs.length === 1 && side[n.inputs[0]]);
  });
  return side;
}

/**
 * The input relevance [1, H, W, C] of the target (`score`) for input x, and the relevance the output
 * started with. The graph's own forward pass is checked against the model's logits.
 */
export function lrpRelevance(
  g: LrpGraph,
  x: tf.Tensor,
  score: ScoreFn,
  o: LrpOptions,
  reference?: tf.Tensor[],
  path = 'the model',
): { relevance: tf.Tensor; total: number; start: number } {
  if (o.rule === 'alphabeta' && Math.abs(o.alpha - o.beta - 1) > 1e-9) {
    throw new InputError(`--lrp-alpha and --lrp-beta must differ by 1 (α − β = 1 keeps the relevance's total); got ${o.alpha} and ${o.beta}`);
  }
  return tf.tidy(() => {
    const acts: tf.Tensor[] = [];
    const side = inputSide(g);
    const lows: (tf.Tensor | undefined)[] = [];
    const highs: (tf.Tensor | undefined)[] = [];
    g.nodes.forEach((n, i) => {
      const xs = n.inputs.map((j) => acts[j]);
      if (n.op.kind === 'input') {
        acts[i] = x;
        const c = x.shape[x.rank - 1];
        const low = o.bounds ? tf.tensor1d(o.bounds.low.slice(0, c)) : tf.min(x);
        const high = o.bounds ? tf.tensor1d(o.bounds.high.slice(0, c)) : tf.max(x);
        lows[i] = tf.minimum(tf.mul(tf.onesLike(x), low), x);
        highs[i] = tf.maximum(tf.mul(tf.onesLike(x), high), x);
        return;
      }
      acts[i] = applyLrpNode(n.op, xs);
      if (side[i] && !isLinear(n.op)) {
        const [l, h] = [applyLrpNode(n.op, [lows[n.inputs[0]]!]), applyLrpNode(n.op, [highs[n.inputs[0]]!])];
        lows[i] = tf.minimum(l, h);
        highs[i] = tf.maximum(l, h);
      }
    });
    const logits = g.outputs.map((i) => acts[i]);
    reference?.forEach((ref, k) => {
      const diff = tf.max(tf.abs(tf.sub(logits[k], ref))).dataSync()[0];
      const scale = tf.max(tf.abs(ref)).dataSync()[0];
      if (!(diff <= 1e-3 * (1 + scale))) {
        throw new InputError(
          `${path}: LRP's reading of the model does not reproduce its output (largest difference ${diff.toPrecision(3)}), so it cannot explain it`,
        );
      }
    });
    // R = logits ⊙ ∂score/∂logits at every output (zero but at the target).
    const grads = tf.grads((...ls: tf.Tensor[]) => tf.sum(score(ls)))(logits);
    const starts = logits.map((l, k) => tf.mul(l, grads[k]));
    const relevance: (tf.Tensor | undefined)[] = [];
    g.outputs.forEach((i, k) => (relevance[i] = relevance[i] ? tf.add(relevance[i]!, starts[k]) : starts[k]));
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const n = g.nodes[i];
      const r = relevance[i];
      if (!r || n.op.kind === 'input') continue;
      const firstLinear = isLinear(n.op) && side[n.inputs[0]] && o.rule !== 'epsilon';
      const rule = (op: Linear, a: tf.Tensor, rr: tf.Tensor): tf.Tensor => {
        if (firstLinear) return boundedRule(op, a, rr, lows[n.inputs[0]]!, highs[n.inputs[0]]!);
        if (o.rule === 'epsilon' || (o.rule === 'composite' && op.kind === 'dense')) return epsilonRule(op, a, rr, o.epsilon);
        return o.rule === 'alphabeta' ? alphaBetaRule(op, a, rr, o.alpha, o.beta) : alphaBetaRule(op, a, rr, 1, 0);
      };
      const parts = redistribute(
        n,
        n.inputs.map((j) => acts[j]),
        r,
        rule,
        side[i] ? undefined : Math.max(o.epsilon, TINY),
      );
      n.inputs.forEach((j, k) => {
        relevance[j] = relevance[j] ? tf.add(relevance[j]!, parts[k]) : parts[k];
      });
    }
    const input = g.nodes.findIndex((n) => n.op.kind === 'input');
    const result = relevance[input] ?? tf.zerosLike(x);
    return { relevance: result, total: tf.sum(result).dataSync()[0], start: tf.addN(starts.map((t) => tf.sum(t))).dataSync()[0] };
  });
}

/** LRP as a method: the model's LRP graph, the rules of `params`, the input's bounds from the preprocessing. */
export async function lrp(ctx: ExplainContext): Promise<Attribution> {
  const graph = ctx.model.lrpGraph?.(ctx.input);
  if (!graph) throw new InputError(`${ctx.model.path}: LRP needs the model's layer types, which a ${ctx.model.format} model does not give`);
  try {
    const { outputs } = ctx.model.forward(ctx.input);
    try {
      const p = ctx.params;
      const { relevance, total, start } = lrpRelevance(
        graph,
        ctx.input,
        ctx.score,
        { rule: p.lrpRule, epsilon: p.epsilon, alpha: p.lrpAlpha, beta: p.lrpBeta, bounds: ctx.inputBounds },
        outputs,
        ctx.model.path,
      );
      const grid = tidyValue(() => gridOf(tf.sum(relevance, -1)));
      relevance.dispose();
      return { grid, signed: true, details: { relevanceSum: total, outputRelevance: start } };
    } finally {
      tf.dispose(outputs);
    }
  } finally {
    disposeLrpGraph(graph);
  }
}

/**
 * LRP maps of a batch of inputs ([B, H, W, C], one model graph for all): each the input relevance of the
 * output-0 unit `target`, summed over channels — what `lrp` gives image by image (SpRAy's batched maps).
 */
export function lrpMaps(model: InspectableModel, xs: tf.Tensor4D, target: number, p: MethodParams, bounds?: LrpOptions['bounds']): Float32Array[] {
  const graph = model.lrpGraph?.(xs);
  if (!graph) throw new InputError(`${model.path}: LRP needs the model's layer types, which a ${model.format} model does not give`);
  try {
    const { outputs } = model.forward(xs);
    try {
      const { relevance } = lrpRelevance(
        graph,
        xs,
        unitScore(0, target),
        { rule: p.lrpRule, epsilon: p.epsilon, alpha: p.lrpAlpha, beta: p.lrpBeta, bounds },
        outputs,
        model.path,
      );
      const [b, h, w] = xs.shape;
      const summed = tf.tidy(() => tf.sum(relevance, -1).dataSync() as Float32Array);
      relevance.dispose();
      return Array.from({ length: b }, (_, i) => summed.slice(i * h * w, (i + 1) * h * w));
    } finally {
      tf.dispose(outputs);
    }
  } finally {
    disposeLrpGraph(graph);
  }
}
