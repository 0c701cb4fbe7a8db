import type { PreprocessSpec } from '../image/preprocess';
import type { InspectableModel } from '../model/types';
import type { ExplainResult } from './explain-image';
import type { PairResult } from './pair/explain-pair';

/** The model an explanation ran on: its path and the SHA-256 of its file. */
export interface ModelIdentity {
  model: InspectableModel;
  sha256: string;
}

/**
 * Where an explanation comes from, one record for the CLI's --json and --heatmap-out and the panels'
 * Copy JSON: the method's parameters, the image, the model (path and SHA-256), the output and the
 * preprocessing; then what the caller adds (display settings); then the numbers the method reported.
 */
export function explainProvenance(r: ExplainResult, image: string, id: ModelIdentity, preprocess: PreprocessSpec, extra: Record<string, unknown> = {}) {
  return { ...r.params, image, model: id.model.path, modelSha256: id.sha256, output: r.output, preprocess, ...extra, ...r.details };
}

/** The same for a pair explanation: both views (the second a file or an augmentation of the first), the embedding and the layer. */
export function pairProvenance(
  r: PairResult,
  views: { imageA: string; imageB: string | null; augment: string | null },
  id: ModelIdentity,
  preprocess: PreprocessSpec,
  extra: Record<string, unknown> = {},
) {
  return {
    ...r.params,
    ...views,
    model: id.model.path,
    modelSha256: id.sha256,
    embedding: r.embedding,
    layer: r.layer ?? null,
    preprocess,
    ...extra,
    ...r.details,
  };
}
