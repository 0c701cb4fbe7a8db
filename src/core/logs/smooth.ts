/**
 * TensorBoard's smoothing: a debiased exponential moving average (the bias toward the zero start
 * divided out), weight w in [0, 1). Non-finite values stay as they are (a gap) and do not enter the
 * average. Incremental, so appended points cost only themselves.
 */
export class Ema {
  private last = 0;
  private n = 0;

  constructor(readonly weight: number) {}

  next(v: number): number {
    if (!Number.isFinite(v)) return v;
    if (this.weight <= 0) return v;
    this.last = this.last * this.weight + (1 - this.weight) * v;
    this.n++;
    return this.last / (1 - this.weight ** this.n);
  }
}

export function smooth(values: ArrayLike<number>, weight: number): number[] {
  const ema = new Ema(weight);
  return Array.from(values, (v) => ema.next(v));
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A text sparkline of the last `width` values (bucket means when there are more points than that);
 * non-finite values show as a space.
 */
export function sparkline(values: ArrayLike<number>, width = 24): string {
  const n = values.length;
  if (n === 0) return '';
  const buckets = Math.min(width, n);
  const means: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let sum = 0;
    let count = 0;
    for (let i = from; i < to; i++) {
      if (Number.isFinite(values[i])) {
        sum += values[i];
        count++;
      }
    }
    means.push(count ? sum / count : NaN);
  }
  const finite = means.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return means.map((m) => (!Number.isFinite(m) ? ' ' : BARS[hi === lo ? 3 : Math.round(((m - lo) / (hi - lo)) * (BARS.length - 1))])).join('');
}

/** A value in few characters: 4 significant digits, exponent form for very small or large ones. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}
