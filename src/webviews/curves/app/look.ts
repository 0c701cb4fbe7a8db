// Pure helpers of the curves panel (no DOM): colours and dashes of series, x values and tick labels.
import type { XAxis } from '../protocol';

/** A tag's points in the webview: gaps (non-finite values) as NaN, which Chart.js leaves undrawn. */
export interface Store {
  steps: number[];
  walls: number[];
  values: number[];
  /** The steps count epochs. */
  epoch: boolean;
}

/** Ten colours (Tableau 10): one per run (stable across charts), or per term in a one-run stacked chart. */
export const PALETTE = ['#4e9af1', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];
export const DASHES = [[], [6, 3], [2, 2], [10, 3, 2, 3]];
export function color(runIndex: number, tagIndex: number, oneRun: boolean): { stroke: string; dash: number[] } {
  return oneRun
    ? { stroke: PALETTE[tagIndex % PALETTE.length], dash: [] }
    : { stroke: PALETTE[runIndex % PALETTE.length], dash: DASHES[tagIndex % DASHES.length] };
}

export const alpha = (hex: string, a: number): string =>
  hex +
  Math.round(a * 255)
    .toString(16)
    .padStart(2, '0');

export function duration(sec: number): string {
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** x of point i of a series on the chosen axis (NaN when the format has no wall time). */
export function xOf(axis: XAxis, s: Pick<Store, 'steps' | 'walls'>, i: number, t0: number): number {
  if (axis === 'step') return s.steps[i];
  if (axis === 'wall') return s.walls[i] * 1000;
  return s.walls[i] - t0;
}

/** A duration in seconds as 1h05m, 3m07s or 42s (the relative-time axis). */
export function tickLabel(axis: XAxis, v: number): string {
  if (axis === 'wall') return new Date(v).toLocaleTimeString();
  if (axis === 'relative') return duration(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/**
 * The y axis's tick labels: four significant digits (formatValue) unless that makes two ticks read the
 * same — a narrow range such as 0.12341 … 0.12349 — then as many digits as the tick step needs.
 */
export function yTickLabels(values: number[], format: (v: number) => string): string[] {
  const plain = values.map(format);
  if (new Set(plain).size === plain.length || values.length < 2) return plain;
  const step = Math.min(
    ...values
      .slice(1)
      .map((v, i) => Math.abs(v - values[i]))
      .filter((d) => d > 0),
  );
  if (!Number.isFinite(step)) return plain;
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + 1));
  return values.map((v) => (Math.abs(v) >= 1e5 ? v.toExponential(Math.min(12, Math.max(2, Math.ceil(Math.log10(Math.abs(v) / step))))) : v.toFixed(decimals)));
}
