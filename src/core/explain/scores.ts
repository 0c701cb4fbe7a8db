/**
 * What a classifier's output scores are, so that a number is only shown as a probability when it is
 * one. An output ending in a softmax (read as logits, softmaxed here) or a sigmoid gives probabilities;
 * one ending in LogSoftmax gives log-probabilities; any other is judged by its values — non-negative and
 * summing to 1 (within 1e-3): probabilities; non-positive with Σ exp = 1: log-probabilities — else logits.
 */
import type { OutputEnd } from '../model/types';

export const SCORE_KINDS = ['probability', 'log-probability', 'logit'] as const;
export type ScoreKind = (typeof SCORE_KINDS)[number];

const TOLERANCE = 1e-3;

export function scoreKind(end: OutputEnd, values: ArrayLike<number>): ScoreKind {
  if (end === 'softmax' || end === 'sigmoid') return 'probability';
  if (end === 'log-softmax') return 'log-probability';
  let sum = 0;
  let expSum = 0;
  let nonNegative = true;
  let nonPositive = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    sum += v;
    expSum += Math.exp(v);
    if (v < 0) nonNegative = false;
    if (v > 0) nonPositive = false;
  }
  // A single unit in [0, 1] is no evidence of a probability (a logit can be 0.4): it takes two or more.
  if (values.length >= 2 && nonNegative && Math.abs(sum - 1) <= TOLERANCE) return 'probability';
  if (values.length >= 2 && nonPositive && Math.abs(expSum - 1) <= TOLERANCE) return 'log-probability';
  return 'logit';
}

/**
 * Each unit's probability: the score itself for probabilities, exp(score) for log-probabilities, and for
 * logits the softmax over the output's units (max-subtracted) — or the sigmoid of a single unit.
 */
export function probabilities(kind: ScoreKind, values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  if (kind === 'probability') return out;
  if (kind === 'log-probability') return out.map(Math.exp);
  if (out.length === 1) return out.map((v) => 1 / (1 + Math.exp(-v)));
  let max = -Infinity;
  for (const v of out) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] = Math.exp(out[i] - max);
  return out.map((v) => v / sum);
}

/** What the probability of a logit is called wherever it is shown: the softmax of the output's logits, or the sigmoid of its one unit. */
export const probabilityOfLogits = (units: number): string => (units === 1 ? 'sigmoid of the logit' : 'softmax of logits');

/**
 * How a score reads in a sentence: "87.3 %" only for a probability; "log-probability −0.136 (87.3 %)";
 * "logit 12.31 (softmax of logits 87.3 %)".
 */
export function describeScore(kind: ScoreKind, score: number, probability: number, units: number): string {
  const pct = `${(100 * probability).toFixed(1)} %`;
  if (kind === 'probability') return pct;
  if (kind === 'log-probability') return `log-probability ${formatScore(score)} (${pct})`;
  return `logit ${formatScore(score)} (${probabilityOfLogits(units)} ${pct})`;
}

export const formatScore = (v: number): string =>
  (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4)))).replace('-', '−');

/** The note under the panel's predictions: what the numbers are. */
export const SCORE_KIND_NOTES: Record<ScoreKind, (units: number) => string> = {
  probability: () => 'The output is a probability per class.',
  'log-probability': () => 'The output is a log-probability per class (LogSoftmax); shown as its probability, exp(output).',
  logit: (units) => `The output is ${units === 1 ? 'a logit' : 'logits'}, not probabilities; the percentage is the ${probabilityOfLogits(units)}.`,
};
