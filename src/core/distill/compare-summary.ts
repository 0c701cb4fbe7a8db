/**
 * A comparison summed up from its images' contributions (core/distill/compare.ts compareImage): pure, so
 * the extension host can join the pieces its pool of workers computed.
 */
import { meanOf } from './compare-metrics';
import type { CompareResult, ImageComparison } from './compare-types';

/** The pairs of models compared, i < j, in order. */
export function modelPairs(n: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  return pairs;
}

/** The comparison from its images' contributions (in listing order): each model's and each pair's means, the images by disagreement. */
export function summariseComparison(modelPaths: string[], images: ImageComparison[]): CompareResult {
  const mean = (v: (number | undefined)[]) => {
    const xs = v.filter((x): x is number => x !== undefined);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  // Most disagreement first; ties broken by 1 − the mean rank correlation of the maps.
  const rows = images.map((c) => ({ ...c.row, tie: c.tie })).sort((a, b) => b.disagreement - a.disagreement || b.tie - a.tie);
  return {
    models: modelPaths.map((path, k) => ({
      path,
      accuracy: mean(images.map((c) => c.models[k].correct)),
      agreement: k === 0 ? null : mean(images.map((c) => c.models[k].agree)),
      kl: k === 0 ? null : mean(images.map((c) => c.models[k].kl)),
      pointing: mean(images.map((c) => c.models[k].pointing)),
    })),
    pairs: modelPairs(modelPaths.length).map(([i, j], p) => ({
      a: modelPaths[i],
      b: modelPaths[j],
      rankCorrelation: meanOf(images.map((c) => c.pairs[p].rc)),
      iouTop20: meanOf(images.map((c) => c.pairs[p].iou)),
      cosine: meanOf(images.map((c) => c.pairs[p].cos)),
    })),
    images: rows.map(({ tie: _tie, ...row }) => row),
  };
}
