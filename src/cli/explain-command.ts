import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { injectTrapIfAsked } from '../core/engine/fault';
import { InputError, orList } from '../core/errors';
import { explainImage, type ExplainResult } from '../core/explain/explain-image';
import { explainProvenance } from '../core/explain/provenance';
import { describeScore } from '../core/explain/scores';
import { DEFAULT_METHOD, isMethod, METHOD_PARAMS, METHODS, methodSpec, type MethodName, type MethodParams } from '../core/explain/specs';
import { COLORMAPS, DEFAULT_COLORMAP, isColormap, SIGNED_COLORMAP, type ColormapName } from '../core/image/specs';
import { inputFit, readImage } from '../core/image/decode';
import { renderExport } from '../core/image/export';
import { encodePng, fitOutput } from '../core/image/overlay';
import { limits } from '../core/limits';
import { PREPROCESS_PRESETS, type PreprocessSpec } from '../core/image/preprocess';
import { loadModel } from '../core/model/load';
import {
  modelScalingNote,
  presetLayer,
  resolveModelSettings,
  resolvePreprocess,
  type PreprocessLayer,
  type ResolvedModelSettings,
  type ResolvedPreprocess,
} from '../core/model/model-config';
import type { InspectableModel } from '../core/model/types';
import { sha256File } from '../core/model/sha256';
import { intOption, listOption, numberOption, parse } from './args';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** One string option per method parameter (METHOD_PARAMS' flags). */
export function paramOptions(): Record<string, { type: 'string' }> {
  return Object.fromEntries(Object.values(METHOD_PARAMS).map((p) => [p.flag, { type: 'string' as const }]));
}

export const EXPLAIN_OPTIONS = {
  method: { type: 'string', default: DEFAULT_METHOD },
  layer: { type: 'string' },
  target: { type: 'string', default: 'top' },
  output: { type: 'string' },
  ...paramOptions(),
  out: { type: 'string' },
  'heatmap-out': { type: 'string' },
  colormap: { type: 'string' },
  opacity: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean', default: false },
  preprocess: { type: 'string' },
  scale: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  'channel-order': { type: 'string' },
  resize: { type: 'string' },
  color: { type: 'string' },
  invert: { type: 'boolean', default: false },
  colorbar: { type: 'boolean', default: false },
  'top-k': { type: 'string' },
} as const;

type Values = ReturnType<typeof parse>['values'];
const str = (v: Values, k: string) => v[k] as string | undefined;

/** The preprocessing the flags give (highest first: the flags, then a --preprocess preset), as layers for resolvePreprocess. */
export function preprocessLayers(v: Values): PreprocessLayer[] {
  const flags: Partial<PreprocessSpec> = {};
  if (str(v, 'scale') !== undefined) flags.scale = str(v, 'scale') as PreprocessSpec['scale'];
  if (str(v, 'mean') !== undefined) flags.mean = listOption(str(v, 'mean'), 'mean');
  if (str(v, 'std') !== undefined) flags.std = listOption(str(v, 'std'), 'std');
  if (str(v, 'channel-order') !== undefined) flags.channelOrder = str(v, 'channel-order') as PreprocessSpec['channelOrder'];
  if (str(v, 'resize') !== undefined) flags.resize = str(v, 'resize') as PreprocessSpec['resize'];
  if (str(v, 'color') !== undefined) flags.color = str(v, 'color') as PreprocessSpec['color'];
  if (v.invert) flags.invert = true;
  const layers: PreprocessLayer[] = [{ source: 'flag', values: flags }];
  const preset = str(v, 'preprocess');
  if (preset !== undefined) {
    if (!(preset in PREPROCESS_PRESETS)) throw new InputError(`--preprocess must be one of ${Object.keys(PREPROCESS_PRESETS).join(', ')} (got "${preset}")`);
    layers.push(presetLayer(preset));
  }
  return layers;
}

/** The preprocessing of a model from the flags, a preset, modellens.json, the model's own scaling and the defaults. */
export function preprocessFrom(v: Values, model: InspectableModel, settings: ResolvedModelSettings): ResolvedPreprocess {
  return resolvePreprocess(model, settings, preprocessLayers(v));
}

/** The method parameters given on the command line, checked against their specs (METHOD_PARAMS). */
export function paramsFrom(v: Values): Partial<MethodParams> {
  const p: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(METHOD_PARAMS)) {
    const raw = str(v, spec.flag);
    if (raw === undefined) continue;
    if (spec.kind === 'int') p[key] = intOption(raw, spec.flag, spec.min);
    else if (spec.kind === 'number') p[key] = numberOption(raw, spec.flag, spec.min, spec.max);
    else if (!(spec.choices as readonly string[]).includes(raw)) throw new InputError(`--${spec.flag} must be ${orList(spec.choices)} (got "${raw}")`);
    else p[key] = raw;
  }
  return p as Partial<MethodParams>;
}

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

function listImages(folder: string): string[] {
  return fs
    .readdirSync(folder)
    .filter((f) => IMAGE_EXT.test(f))
    .sort()
    .map((f) => path.join(folder, f));
}

const csvField = (s: string | number) => (/[",\n]/.test(String(s)) ? `"${String(s).replace(/"/g, '""')}"` : String(s));

export async function explainCommand(args: string[], stdout: (s: string) => void, stderr: (s: string) => void): Promise<number> {
  const { values: v, positionals } = parse(args, EXPLAIN_OPTIONS);
  if (positionals.length !== 2) throw new InputError('usage: model-lens explain <model> <image or folder> [options] (see model-lens --help)');
  const [modelPath, imagePath] = positionals;
  const method = str(v, 'method')!;
  if (!isMethod(method)) throw new InputError(`--method must be one of ${METHODS.join(', ')} (got "${method}")`);
  const colormap = str(v, 'colormap');
  if (colormap !== undefined && !isColormap(colormap)) throw new InputError(`--colormap must be one of ${COLORMAPS.join(', ')} (got "${colormap}")`);
  const opacity = numberOption(str(v, 'opacity'), 'opacity', 0, 1) ?? 0.5;
  const backendArg = str(v, 'backend');
  if (backendArg !== undefined && !isBackendName(backendArg)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backendArg}")`);
  const targetArg = str(v, 'target')!;
  if (targetArg !== 'top' && !/^\d+$/.test(targetArg)) throw new InputError(`--target must be "top" or a class index (got "${targetArg}")`);
  const target = targetArg === 'top' ? 'top' : Number(targetArg);
  const topK = intOption(str(v, 'top-k'), 'top-k') ?? 5;
  const params = paramsFrom(v);
  const layers = str(v, 'layer')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

  const backend = await initEngine({ backend: backendArg as never });
  const model = await loadModel(modelPath);
  const settings = resolveModelSettings(model.path);
  const resolved = preprocessFrom(v, model, settings);
  const preprocess = resolved.spec;
  const output = str(v, 'output') ?? settings.output;
  const sha256 = sha256File(model.path);

  const stat = fs.statSync(imagePath, { throwIfNoEntry: false });
  if (!stat) throw new InputError(`${imagePath}: file not found`);
  const folder = stat.isDirectory();
  const images = folder ? listImages(imagePath) : [imagePath];
  if (folder && images.length === 0) throw new InputError(`${imagePath}: the folder holds no PNG or JPEG images`);
  const outDir = folder ? (str(v, 'out') ?? path.join(imagePath, 'model-lens-out')) : undefined;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });

  const summary: string[] = ['image,top_class,top_label,score,method,time_ms,score_kind'];
  const perImage: Record<string, unknown>[] = [];
  for (const file of images) {
    const image = await readImage(file, { input: inputFit(model.inputs[0].shape) });
    injectTrapIfAsked(file);
    const r = await explainImage(model, image, { method: method as MethodName, layers, target, output, params, preprocess, labels: settings.labels, topK });
    const allParams = explainProvenance(r, path.resolve(file), { model, sha256 }, preprocess, {
      preprocessSource: resolved.sources.scale,
      preprocessSources: resolved.sources,
      ...(resolved.modelScaling ? { modelScaling: resolved.modelScaling } : {}),
      colormap: colormap ?? (r.signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP),
      opacity,
      clipPercentile: methodSpec(method).clipPercentile ?? null,
    });
    const base = path.basename(file).replace(IMAGE_EXT, '');
    const overlayPath = outDir ? path.join(outDir, `${base}.overlay.png`) : str(v, 'out');
    const mapPath = outDir ? path.join(outDir, `${base}.map.json`) : str(v, 'heatmap-out');
    // Exported maps are at most --out-size on their long side; overlays are the panel's Export PNG
    // (export.ts: the image's size, at least 512 and at most --out-size, a colour bar with --colorbar).
    const fitted = fitOutput(image, r.image.values, limits().outSize);
    const shown = { ...r, image: { width: fitted.image.width, height: fitted.image.height, values: fitted.map } };
    if (overlayPath)
      fs.writeFileSync(
        overlayPath,
        encodePng(
          renderExport(image, r.image.values, {
            colormap: (colormap as ColormapName | undefined) ?? (r.signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP),
            opacity,
            signed: r.signed,
            cap: limits().outSize,
            colorbar: v.colorbar as boolean,
          }),
        ),
      );
    if (mapPath) fs.writeFileSync(mapPath, JSON.stringify(heatmapJson(shown, allParams)));
    const top = r.top.map((p) => ({ index: p.index, score: p.score, probability: p.probability, label: p.label ?? null }));
    summary.push([file, r.top[0].index, r.top[0].label ?? '', r.top[0].score, method, r.timeMs.toFixed(1), r.scoreKind].map(csvField).join(','));
    const notes = [...(resolved.modelScaling ? [modelScalingNote(resolved.modelScaling)] : []), ...r.notes];
    const record = { backend, method, layer: r.layers.join(','), target: r.target, scoreKind: r.scoreKind, top, timeMs: r.timeMs, params: allParams, notes };
    perImage.push(record);
    if (!v.json) {
      for (const n of notes) stderr(`${file}: note: ${n}`);
      const t = r.top[0];
      stdout(
        `${file}: ${t.label ?? `class ${t.index}`} (${describeScore(r.scoreKind, t.score, t.probability, r.units)}), ${method}${r.layers.length ? ` at ${r.layers.join(',')}` : ''}, target ${r.target}, ${r.timeMs.toFixed(0)} ms on ${backend}${overlayPath ? ` → ${overlayPath}` : ''}`,
      );
    }
  }
  if (outDir) {
    fs.writeFileSync(path.join(outDir, 'summary.csv'), summary.join('\n') + '\n');
    if (!v.json) stdout(`summary: ${path.join(outDir, 'summary.csv')}`);
  }
  if (v.json) stdout(JSON.stringify(folder ? { backend, method, images: perImage } : perImage[0]));
  return 0;
}
