/**
 * Models that rescale their own input expect pixels in 0..255: a leading Keras `Rescaling` whose scale
 * is at most 1/100, a Keras `Normalization` whose mean exceeds 2, or a graph whose first operation
 * divides the input by 100 or more (or multiplies it by at most 1/100). Each format finds its first
 * operation; this says whether it rescales, and how, in words a user can check.
 */
export type FirstOp = { kind: 'Rescaling' | 'Mul' | 'Div' | 'Normalization'; name: string; value: number };

const fmt = (v: number): string => (Math.abs(v) < 0.01 && v !== 0 ? `1/${Number((1 / v).toPrecision(4))}` : String(Number(v.toPrecision(4))));

/** Why the model takes 0..255 pixels, or undefined when its first operation does not rescale them. */
export function selfScaling(op: FirstOp | undefined): string | undefined {
  if (!op || !Number.isFinite(op.value)) return undefined;
  switch (op.kind) {
    case 'Rescaling':
      return op.value > 0 && op.value <= 0.01 ? `its Rescaling layer "${op.name}" multiplies the input by ${fmt(op.value)}` : undefined;
    case 'Mul':
      return op.value > 0 && op.value <= 0.01 ? `its first operation "${op.name}" multiplies the input by ${fmt(op.value)}` : undefined;
    case 'Div':
      return op.value >= 100 ? `its first operation "${op.name}" divides the input by ${fmt(op.value)}` : undefined;
    case 'Normalization':
      return op.value > 2 ? `its Normalization layer "${op.name}" subtracts a mean of ${fmt(op.value)}` : undefined;
  }
}
