/**
 * What `compare` measures between models on the same images (issue 16): map similarity — Spearman's
 * rank correlation (average ranks for ties), IoU of the top 20 % pixels, cosine — and prediction
 * agreement and KL(first ‖ other) of the softmax outputs.
 */

/** Ranks 1…n, ties sharing the average of their ranks. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    i = j + 1;
  }
  return ranks;
}

/** Pearson's correlation; null when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/** Spearman's rank correlation: Pearson's on average ranks; null when a map is constant. */
export const rankCorrelation = (a: ArrayLike<number>, b: ArrayLike<number>): number | null => pearson(averageRanks(a), averageRanks(b));

/** The indices of the top `share` of pixels (⌈share·n⌉ of them, the larger first, ties by index). */
export function topIndices(values: ArrayLike<number>, share = 0.2): Set<number> {
  const k = Math.ceil(share * values.length);
  const order = Array.from({ length: values.length }, (_, i) => i).sort((x, y) => values[y] - values[x] || x - y);
  return new Set(order.slice(0, k));
}

/** Intersection over union of the two maps' top 20 % pixels. */
export function iouTop(a: ArrayLike<number>, b: ArrayLike<number>, share = 0.2): number {
  const ta = topIndices(a, share);
  const tb = topIndices(b, share);
  let inter = 0;
  for (const i of ta) if (tb.has(i)) inter++;
  const union = ta.size + tb.size - inter;
  return union ? inter / union : 0;
}

/** Cosine similarity; null when a map is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : null;
}

/** KL(p ‖ q) in nats over two probability vectors (q's zeros clamped to 1e-12). */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) kl += p[i] * Math.log(p[i] / Math.max(q[i], 1e-12));
  return kl;
}

/** The softmax of logits (max-subtracted). */
export function softmax(z: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i]);
  const out = Float64Array.from(z, (v) => Math.exp(v - m));
  const s = out.reduce((x, y) => x + y, 0);
  return out.map((v) => v / s);
}

/** The mean of the numbers that are not null; null when there are none. */
export function meanOf(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}
