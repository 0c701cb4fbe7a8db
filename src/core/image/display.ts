/**
 * Display scaling, done last (EXPLAIN.md): unsigned maps min-max to [0, 1]; signed maps
 * symmetric around 0 to [-1, 1], clipped at a percentile of |v| (99th by default for gradient maps).
 */
export function scaleUnsigned(values: Float32Array, clipPercentile?: number): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (clipPercentile !== undefined) hi = Math.min(hi, percentile(values, clipPercentile, false));
  const out = new Float32Array(values.length);
  const range = hi - lo;
  if (!(range > 0)) return out;
  for (let i = 0; i < values.length; i++) out[i] = Math.min(1, Math.max(0, (values[i] - lo) / range)) || 0;
  return out;
}

export function scaleSigned(values: Float32Array, clipPercentile = 99): Float32Array {
  const bound = percentile(values, clipPercentile, true);
  const out = new Float32Array(values.length);
  if (!(bound > 0)) return out;
  for (let i = 0; i < values.length; i++) out[i] = Math.min(1, Math.max(-1, values[i] / bound)) || 0;
  return out;
}

/** The p-th percentile (linear interpolation between order statistics) of the finite values, or of |v|. */
export function percentile(values: Float32Array, p: number, absolute: boolean): number {
  const finite = Array.from(values, (v) => (absolute ? Math.abs(v) : v)).filter(Number.isFinite);
  if (finite.length === 0) return 0;
  const sorted = Float64Array.from(finite).sort();
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}
