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
import { modelPairs, summariseComparison } from './compare-summary';
import type { CompareResult, ImageComparison } from './compare-types';

export { modelPairs, summariseComparison } from './compare-summary';

export type { CompareResult, ImageComparison } from './compare-types';

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

/** One image explained by every model, and what it adds to the comparison. `done`: the progress count before it. */
export async function compareImage(models: CompareModel[], img: CompareImage, opts: CompareOptions, done = 0, total = models.length): Promise<ImageComparison> {
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
    opts.onProgress?.(++done, total);
  }
  opts.onImage?.(img, results);
  const first = probabilityVector(results[0]);
  const perModel = results.map((r, k) => {
    const t = truthIndex(img.truth, models[k].labels);
    return {
      ...(t !== undefined ? { correct: r.top[0].index === t ? 1 : 0 } : {}),
      ...(k > 0 ? { agree: r.top[0].index === results[0].top[0].index ? 1 : 0, kl: klDivergence(first, probabilityVector(r)) } : {}),
      ...(img.box ? { pointing: pointingGameHit(r.raw, img.image.width, img.box) ? 1 : 0 } : {}),
    };
  });
  const pairKeys = modelPairs(models.length);
  let differ = 0;
  const pairs = pairKeys.map(([i, j]) => {
    if (results[i].top[0].index !== results[j].top[0].index) differ++;
    return { rc: rankCorrelation(results[i].raw, results[j].raw), iou: iouTop(results[i].raw, results[j].raw), cos: cosine(results[i].raw, results[j].raw) };
  });
  return {
    row: {
      image: img.name,
      predictions: results.map((r, k) => ({ model: models[k].model.path, index: r.top[0].index, label: r.top[0].label ?? null, score: r.top[0].score })),
      disagreement: pairKeys.length ? differ / pairKeys.length : 0,
    },
    tie: 1 - (meanOf(pairs.map((p) => p.rc)) ?? 1),
    models: perModel,
    pairs,
  };
}

export async function compareModels(models: CompareModel[], images: CompareImage[], opts: CompareOptions): Promise<CompareResult> {
  const contributions: ImageComparison[] = [];
  for (const [i, img] of images.entries()) contributions.push(await compareImage(models, img, opts, i * models.length, images.length * models.length));
  return summariseComparison(
    models.map((m) => m.model.path),
    contributions,
  );
}
