/**
 * Compare models on the same images (issue 16): each model's accuracy, top-1 agreement with the first
 * model, mean KL(first ‖ other) of the softmax outputs and pointing game; for every pair of models the
 * similarity of their maps (raw maps at the image's size, before display scaling); per image the
 * predictions and how much the models disagree. Works across formats.
 */
import { throwIfAborted } from '../errors';
import { explainImage, type ExplainResult } from '../explain/explain-image';
import type { MethodName, MethodParams } from '../explain/specs';
import type { RgbImage } from '../image/decode';
import { renderExport } from '../image/export';
import type { RgbaImage } from '../image/overlay';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP, type ColormapName } from '../image/specs';
import { limits } from '../limits';
import type { PreprocessSpec } from '../image/preprocess';
import { pointingGameHit, type Box } from '../metrics/pointing-game';
import type { InspectableModel } from '../model/types';
import { cosine, iouTop, klDivergence, meanOf, rankCorrelation } from './compare-metrics';

export interface CompareModel {
  model: InspectableModel;
  preprocess: PreprocessSpec;
  labels?: string[];
  layer?: string;
}

export interface CompareImage {
  /** The path reported (relative to the images folder). */
  name: string;
  image: RgbImage;
  /** The true class: an index, or a name matched to each model's labels. */
  truth?: number | string;
  box?: Box;
}

export interface CompareOptions {
  method: MethodName;
  params?: Partial<MethodParams>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Called with each image's results (the CLI writes overlays from them). */
  onImage?: (image: CompareImage, results: ExplainResult[]) => void;
}

export interface CompareResult {
  models: { path: string; accuracy: number | null; agreement: number | null; kl: number | null; pointing: number | null }[];
  pairs: { a: string; b: string; rankCorrelation: number | null; iouTop20: number | null; cosine: number | null }[];
  images: { image: string; predictions: { model: string; index: number; label: string | null; score: number }[]; disagreement: number }[];
}

/**
 * One model's overlay of an image as `compare --out` writes it and the compare panel draws it: the
 * default colormap (the signed one for signed maps), opacity 0.5, the long side capped at the output size.
 */
export function compareOverlay(image: RgbImage, r: ExplainResult, opts: { colormap?: ColormapName; opacity?: number } = {}): RgbaImage {
  return renderExport(image, r.image.values, {
    colormap: opts.colormap ?? (r.signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP),
    opacity: opts.opacity ?? 0.5,
    signed: r.signed,
    cap: limits().outSize,
  });
}

/** The class index a truth names for a model: an index as is; a name through the model's labels. */
export function truthIndex(truth: number | string | undefined, labels: string[] | undefined): number | undefined {
  if (truth === undefined) return undefined;
  if (typeof truth === 'number') return truth;
  const i = labels?.indexOf(truth) ?? -1;
  if (i >= 0) return i;
  return /^\d+$/.test(truth) ? Number(truth) : undefined;
}

/** Each unit's probability, by index, from a result listing every unit. */
function probabilityVector(r: ExplainResult): Float64Array {
  const p = new Float64Array(r.units);
  for (const t of r.top) p[t.index] = t.probability;
  return p;
}

export async function compareModels(models: CompareModel[], images: CompareImage[], opts: CompareOptions): Promise<CompareResult> {
  const n = models.length;
  const perModel = models.map(() => ({ correct: [] as number[], agree: [] as number[], kl: [] as number[], pointing: [] as number[] }));
  const pairKeys: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairKeys.push([i, j]);
  const pairValues = pairKeys.map(() => ({ rc: [] as (number | null)[], iou: [] as (number | null)[], cos: [] as (number | null)[] }));
  const rows: (CompareResult['images'][number] & { tie: number })[] = [];
  let done = 0;
  for (const img of images) {
    const results: ExplainResult[] = [];
    for (const m of models) {
      throwIfAborted(opts.signal);
      const units = m.model.outputs[0]?.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1) ?? 1;
      results.push(
        await explainImage(m.model, img.image, {
          method: opts.method,
          layers: m.layer ? [m.layer] : undefined,
          params: opts.params,
          preprocess: m.preprocess,
          labels: m.labels,
          topK: Math.max(units, 1),
          signal: opts.signal,
        }),
      );
      opts.onProgress?.(++done, images.length * n);
    }
    opts.onImage?.(img, results);
    const first = probabilityVector(results[0]);
    results.forEach((r, k) => {
      const t = truthIndex(img.truth, models[k].labels);
      if (t !== undefined) perModel[k].correct.push(r.top[0].index === t ? 1 : 0);
      if (k > 0) {
        perModel[k].agree.push(r.top[0].index === results[0].top[0].index ? 1 : 0);
        perModel[k].kl.push(klDivergence(first, probabilityVector(r)));
      }
      if (img.box) perModel[k].pointing.push(pointingGameHit(r.raw, img.image.width, img.box) ? 1 : 0);
    });
    const rcs: (number | null)[] = [];
    let differ = 0;
    pairKeys.forEach(([i, j], p) => {
      const rc = rankCorrelation(results[i].raw, results[j].raw);
      rcs.push(rc);
      pairValues[p].rc.push(rc);
      pairValues[p].iou.push(iouTop(results[i].raw, results[j].raw));
      pairValues[p].cos.push(cosine(results[i].raw, results[j].raw));
      if (results[i].top[0].index !== results[j].top[0].index) differ++;
    });
    rows.push({
      image: img.name,
      predictions: results.map((r, k) => ({ model: models[k].model.path, index: r.top[0].index, label: r.top[0].label ?? null, score: r.top[0].score })),
      disagreement: pairKeys.length ? differ / pairKeys.length : 0,
      tie: 1 - (meanOf(rcs) ?? 1),
    });
  }
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  // Most disagreement first; ties broken by 1 − the mean rank correlation of the maps.
  rows.sort((a, b) => b.disagreement - a.disagreement || b.tie - a.tie);
  return {
    models: models.map((m, k) => ({
      path: m.model.path,
      accuracy: mean(perModel[k].correct),
      agreement: k === 0 ? null : mean(perModel[k].agree),
      kl: k === 0 ? null : mean(perModel[k].kl),
      pointing: mean(perModel[k].pointing),
    })),
    pairs: pairKeys.map(([i, j], p) => ({
      a: models[i].model.path,
      b: models[j].model.path,
      rankCorrelation: meanOf(pairValues[p].rc),
      iouTop20: meanOf(pairValues[p].iou),
      cosine: meanOf(pairValues[p].cos),
    })),
    images: rows.map(({ tie: _tie, ...row }) => row),
  };
}
