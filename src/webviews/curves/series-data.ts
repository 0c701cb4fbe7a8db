import { isEpochSeries, type Series } from '../../core/logs/series';
import type { SeriesData } from './protocol';

/** Longer series are sent decimated (each bucket's first, min, max and last point); appends go whole. */
const MAX_SENT = 20000;

export const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * A series for the webview from index `from`, min/max-decimated above `max` points so the shape survives
 * (each bucket keeps its first, lowest, highest and last point, and a non-finite one if it has any).
 */
export function seriesData(tag: string, s: Series, from = 0, max = MAX_SENT): SeriesData {
  const n = s.length - from;
  const keep: number[] = [];
  if (n <= max) for (let i = from; i < s.length; i++) keep.push(i);
  else {
    const buckets = Math.floor(max / 4);
    for (let b = 0; b < buckets; b++) {
      const lo = from + Math.floor((b * n) / buckets);
      const hi = from + Math.floor(((b + 1) * n) / buckets);
      let iMin = -1;
      let iMax = -1;
      let gap = -1;
      for (let i = lo; i < hi; i++) {
        const v = s.values[i];
        if (!Number.isFinite(v)) {
          if (gap < 0) gap = i; // one non-finite point keeps the gap visible
          continue;
        }
        if (iMin < 0 || v < s.values[iMin]) iMin = i;
        if (iMax < 0 || v > s.values[iMax]) iMax = i;
      }
      for (const i of [...new Set([lo, iMin, iMax, gap, hi - 1])].filter((i) => i >= 0).sort((a, b) => a - b)) keep.push(i);
    }
  }
  return {
    steps: keep.map((i) => s.steps[i]),
    walls: keep.map((i) => orNull(s.walls[i])),
    values: keep.map((i) => orNull(s.values[i])),
    ...(isEpochSeries(tag, s) ? { epoch: true } : {}),
  };
}
