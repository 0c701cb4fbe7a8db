import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { injectTrapIfAsked } from '../engine/fault';
import { inputFit, readImage } from '../image/decode';
import { renderExport } from '../image/export';
import { encodePng, fitOutput } from '../image/overlay';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../image/specs';
import { limits } from '../limits';
import { loadModel } from '../model/load';
import { onnxruntimeNodeEngine } from '../engine/forward-engine';
import { availableParallelism } from 'node:os';
import { modelScalingNote, resolveModelSettings, resolvePreprocess } from '../model/model-config';
import { sha256File } from '../model/sha256';
import { explainImage, type ExplainResult } from './explain-image';
import { explainProvenance } from './provenance';
import { describeScore } from './scores';
import { methodSpec } from './specs';
import type { FileJob, FileResult } from './file-job';
import type { BatchSplit } from './split';
import { InputError } from '../errors';

/** The JSON shape of `--heatmap-out`. */
export function heatmapJson(r: ExplainResult, params: Record<string, unknown>) {
  return {
    method: r.method,
    layer: r.layers.join(','),
    target: r.target,
    grid: { width: r.grid.width, height: r.grid.height, values: Array.from(r.grid.values) },
    image: { width: r.image.width, height: r.image.height, values: Array.from(r.image.values) },
    params,
  };
}

/** Explains one image file as `model-lens explain` does. `file` is the path as the command line gave it (joined with the folder). */
export async function explainFile(
  job: FileJob,
  file: string,
  { signal, split, onProgress }: { signal?: AbortSignal; split?: BatchSplit; onProgress?: (done: number, total: number) => void } = {},
): Promise<FileResult> {
  if (split?.share && !methodSpec(job.method).batched) throw new InputError(`${job.method} has no batched loop to share out over workers`);
  const model = await loadModel(job.modelPath);
  const settings = resolveModelSettings(model.path);
  const resolved = resolvePreprocess(model, settings, job.preprocess);
  const preprocess = resolved.spec;
  const output = job.output ?? settings.output;
  const image = await readImage(file, { input: inputFit(model.inputs[0].shape) });
  injectTrapIfAsked(file);
  // The native engine's threads use every core (the command line runs it in its own thread alone).
  const forward = job.forwardEngine ? await onnxruntimeNodeEngine(model, availableParallelism()) : undefined;
  const r = await explainImage(model, image, {
    method: job.method,
    layers: job.layers,
    target: job.target,
    output,
    params: job.params,
    preprocess,
    labels: settings.labels,
    topK: job.topK,
    signal,
    split,
    onProgress,
    forward,
  });
  if (split?.share) return { image: file, record: { timeMs: r.timeMs }, row: [], notes: [], line: '', split: split.records ?? [] };
  const workers = split?.replay ? `, ${split.replay.length} workers` : '';
  const colormap = job.colormap ?? (r.signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP);
  const backend = tf.getBackend();
  const allParams = explainProvenance(r, path.resolve(file), { model, sha256: sha256File(model.path) }, preprocess, {
    preprocessSource: resolved.sources.scale,
    preprocessSources: resolved.sources,
    ...(resolved.modelScaling ? { modelScaling: resolved.modelScaling } : {}),
    colormap,
    opacity: job.opacity,
    clipPercentile: methodSpec(job.method).clipPercentile ?? null,
  });
  const notes = [...(resolved.modelScaling ? [modelScalingNote(resolved.modelScaling)] : []), ...r.notes];
  const top = r.top.map((p) => ({ index: p.index, score: p.score, probability: p.probability, label: p.label ?? null }));
  const t = r.top[0];
  const result: FileResult = {
    image: file,
    record: {
      image: file,
      backend,
      ...(forward ? { forwardEngine: forward.name } : {}),
      method: r.method,
      layer: r.layers.join(','),
      target: r.target,
      scoreKind: r.scoreKind,
      top,
      timeMs: r.timeMs,
      params: allParams,
      notes,
    },
    row: [file, t.index, t.label ?? '', t.score, r.method, r.timeMs.toFixed(1), r.scoreKind],
    notes,
    line: `${file}: ${t.label ?? `class ${t.index}`} (${describeScore(r.scoreKind, t.score, t.probability, r.units)}), ${r.method}${r.layers.length ? ` at ${r.layers.join(',')}` : ''}, target ${r.target}, ${r.timeMs.toFixed(0)} ms on ${forward ? `${forward.name} (${backend} for the rest)` : backend}${workers}`,
  };
  if (job.files) {
    // Exported maps are at most --out-size on their long side; overlays are the panel's Export PNG
    // (export.ts: the image's size, at least 512 and at most --out-size, a colour bar with --colorbar).
    const fitted = fitOutput(image, r.image.values, limits().outSize);
    const shown = { ...r, image: { width: fitted.image.width, height: fitted.image.height, values: fitted.map } };
    result.overlayPng = encodePng(
      renderExport(image, r.image.values, { colormap, opacity: job.opacity, signed: r.signed, cap: limits().outSize, colorbar: job.colorbar }),
    );
    result.mapJson = JSON.stringify(heatmapJson(shown, allParams));
  }
  return result;
}

/**
 * The hash of a model's files: the model file and, for a TF.js model.json, every weight shard it
 * names (a retrained model with the same topology differs only in its shards). Folder jobs key their
 * cache with it.
 */
export function modelFilesHash(modelPath: string): string {
  const h = createHash('sha256').update(sha256File(modelPath));
  if (modelPath.toLowerCase().endsWith('.json')) {
    try {
      const manifest = (JSON.parse(fs.readFileSync(modelPath, 'utf8')) as { weightsManifest?: { paths?: string[] }[] }).weightsManifest ?? [];
      for (const group of manifest) for (const p of group.paths ?? []) h.update(sha256File(path.join(path.dirname(modelPath), p)));
    } catch {
      // The model was loaded already, so its shards exist; a model.json that is not JSON never gets here.
    }
  }
  return h.digest('hex');
}
