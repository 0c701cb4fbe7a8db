import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError, orList } from '../core/errors';
import { explainFile, modelFilesHash } from '../core/explain/explain-file';
import { SUMMARY_HEADER, type FileJob, type FileResult } from '../core/explain/file-job';
import { DEFAULT_METHOD, isMethod, METHOD_PARAMS, METHODS, methodSpec, type MethodName, type MethodParams } from '../core/explain/specs';
import { COLORMAPS, isColormap, type ColormapName } from '../core/image/specs';
import { limits } from '../core/limits';
import { PREPROCESS_PRESETS, type PreprocessSpec } from '../core/image/preprocess';
import { resolveModelFile } from '../core/model/load';
import { presetLayer, resolvePreprocess, type PreprocessLayer, type ResolvedModelSettings, type ResolvedPreprocess } from '../core/model/model-config';
import type { InspectableModel } from '../core/model/types';
import { sha256File } from '../core/model/sha256';
import { splitRun } from '../pool/split';
import type { BackendChoice } from '../protocol/worker';
import { intOption, listOption, numberOption, parse } from './args';
import { fromWorker, restartNote, withPool, workerCount } from './cli-pool';
import { CACHE_DIR, folderProgress, inShard, parseShard, ResultCache, workersOption, writeAtomic } from './folder-job';
import { FORWARD_ENGINES, type ForwardEngineName } from '../core/engine/forward-engine';

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
  workers: { type: 'string' },
  shard: { type: 'string' },
  fresh: { type: 'boolean', default: false },
  'no-cache': { type: 'boolean', default: false },
  'forward-engine': { type: 'string' },
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

  const stat = fs.statSync(imagePath, { throwIfNoEntry: false });
  if (!stat) throw new InputError(`${imagePath}: file not found`);
  const folder = stat.isDirectory();
  const job: FileJob = {
    modelPath,
    method: method as MethodName,
    layers,
    target,
    output: str(v, 'output'),
    params,
    preprocess: preprocessLayers(v),
    colormap: colormap as ColormapName | undefined,
    opacity,
    colorbar: v.colorbar as boolean,
    topK,
    files: folder || str(v, 'out') !== undefined || str(v, 'heatmap-out') !== undefined,
    ...forwardEngineOption(str(v, 'forward-engine'), method as MethodName),
  };
  if (folder) return explainFolder(job, imagePath, v, backendArg as BackendChoice | undefined, stdout, stderr);
  if (v.shard !== undefined) throw new InputError('--shard takes a share of a folder; give a folder of images');

  const workers = job.forwardEngine ? oneWorker(str(v, 'workers'), stderr) : workerCount(str(v, 'workers'), 'explain', backendArg, stderr);
  let backend: string;
  let r: FileResult;
  if (workers > 1 && methodSpec(job.method).batched) {
    // One explanation's batched loop shared out over the workers (src/pool/split.ts).
    [backend, r] = await withPool(workers, backendArg, async (pool, loaded) => [
      loaded,
      await splitRun(pool, 'explainFile', { job, file: imagePath }).catch((e) => {
        throw fromWorker(e, imagePath);
      }),
    ]);
  } else {
    backend = await initEngine({ backend: backendArg as never });
    r = await explainFile(job, imagePath);
  }
  for (const [file, data] of [
    [str(v, 'out'), r.overlayPng],
    [str(v, 'heatmap-out'), r.mapJson],
  ] as const)
    if (file && data !== undefined) fs.writeFileSync(file, data);
  if (v.json) {
    const { image: _image, ...record } = r.record;
    stdout(JSON.stringify({ ...record, backend }));
  } else {
    for (const n of r.notes) stderr(`${imagePath}: note: ${n}`);
    stdout(`${r.line}${str(v, 'out') ? ` → ${str(v, 'out')}` : ''}`);
  }
  return 0;
}

/** `--forward-engine NAME`: occlusion's passes through a faster engine (engine/forward-engine.ts). */
function forwardEngineOption(raw: string | undefined, method: MethodName): Pick<FileJob, 'forwardEngine'> {
  if (raw === undefined) return {};
  if (!(FORWARD_ENGINES as readonly string[]).includes(raw)) throw new InputError(`--forward-engine must be ${orList(FORWARD_ENGINES)} (got "${raw}")`);
  // The methods whose passes are whole forward passes of masked inputs (occlusion's windows).
  if (methodSpec(method).passes !== 'windows') throw new InputError(`--forward-engine runs occlusion's forward passes; --method ${method} does not use it`);
  return { forwardEngine: raw as ForwardEngineName };
}

/** The native forward engine runs in this thread, its own threads on every core: one worker. */
function oneWorker(raw: string | undefined, stderr: (s: string) => void): number {
  if ((workersOption(raw) ?? 1) > 1) stderr('model-lens explain: note: --forward-engine runs in this thread (its own threads use every core), so one worker');
  return 1;
}

/**
 * `model-lens explain <model> <folder>`: every PNG and JPEG of the folder (or its --shard share), in a
 * pool of --workers workers (default: one per core) or, with one worker, in this thread; each image's
 * result cached in the output folder, so an interrupted run continues where it stopped.
 */
async function explainFolder(
  job: FileJob,
  folder: string,
  v: Values,
  backendArg: BackendChoice | undefined,
  stdout: (s: string) => void,
  stderr: (s: string) => void,
): Promise<number> {
  const shard = parseShard(str(v, 'shard'));
  const all = listImages(folder);
  if (all.length === 0) throw new InputError(`${folder}: the folder holds no PNG or JPEG images`);
  const images = all.filter((f) => inShard(path.relative(folder, f), shard));
  const outDir = str(v, 'out') ?? path.join(folder, 'model-lens-out');
  fs.mkdirSync(outDir, { recursive: true });
  const workers = job.forwardEngine ? oneWorker(str(v, 'workers'), stderr) : workerCount(str(v, 'workers'), 'explain', backendArg, stderr, images.length);
  const requested = backendArg ?? process.env.MODEL_LENS_BACKEND ?? 'auto';

  const cache = new ResultCache<FileResult>(path.join(outDir, CACHE_DIR), v['no-cache'] ? 'off' : v.fresh ? 'refresh' : 'use');
  // A folder holding a model.json names that file; a missing model is refused here, before any worker starts.
  const modelHash = modelFilesHash(resolveModelFile(job.modelPath));
  const { modelPath: _modelPath, ...jobParams } = job;
  const filesOf = (file: string) => {
    const base = path.basename(file).replace(IMAGE_EXT, '');
    return { overlay: path.join(outDir, `${base}.overlay.png`), map: path.join(outDir, `${base}.map.json`) };
  };
  const keyOf = (file: string) =>
    ResultCache.key({ v: 1, model: modelHash, image: sha256File(file), file, job: jobParams, backend: requested, outSize: limits().outSize });
  const results = new Array<FileResult>(images.length);
  const todo: number[] = [];
  const progress = folderProgress('model-lens explain', images.length, stderr);
  images.forEach((file, i) => {
    const f = filesOf(file);
    const hit = cache.get(keyOf(file), [f.overlay, f.map]);
    if (hit) {
      results[i] = hit;
      if (!v.json) progress.print(() => stdout(`${hit.line} → ${f.overlay} (cached)`));
      progress.tick(true);
    } else todo.push(i);
  });
  const finish = (i: number, r: FileResult) => {
    const f = filesOf(images[i]);
    writeAtomic(f.overlay, r.overlayPng!);
    writeAtomic(f.map, r.mapJson!);
    const { overlayPng: _png, mapJson: _map, ...kept } = r;
    cache.set(keyOf(images[i]), kept);
    results[i] = kept;
    if (!v.json)
      progress.print(() => {
        for (const n of r.notes) stderr(`${images[i]}: note: ${n}`);
        stdout(`${r.line} → ${f.overlay}`);
      });
    progress.tick();
  };
  let backend = '';
  if (todo.length && workers > 1) {
    backend = await withPool(workers, backendArg, async (pool, loaded) => {
      await pool
        .map(todo, 'explainFile', (i) => ({ job, file: images[i] }), { onResult: (k, r) => finish(todo[k], r) })
        .catch((e) => {
          throw fromWorker(e, folder);
        });
      const note = restartNote('explain', pool, 'image');
      if (note) stderr(note);
      return loaded;
    });
  } else if (todo.length) {
    backend = await initEngine({ backend: backendArg as never });
    for (const i of todo) finish(i, await explainFile(job, images[i]));
  }
  stderr(progress.stop());
  const records = results.map((r) => r.record);
  // A share with no image (or only cached ones) still names the backend its images would run on.
  backend ||= records.length ? String(records[0].backend) : await initEngine({ backend: backendArg as never });
  const summary = [SUMMARY_HEADER.join(','), ...results.map((r) => r.row.map(csvField).join(','))];
  fs.writeFileSync(path.join(outDir, 'summary.csv'), summary.join('\n') + '\n');
  const out = { backend, method: job.method, ...(shard ? { shard: `${shard.index}/${shard.count}` } : {}), images: records };
  fs.writeFileSync(path.join(outDir, RESULTS_FILE), JSON.stringify(out));
  if (v.json) stdout(JSON.stringify(out));
  else stdout(`summary: ${path.join(outDir, 'summary.csv')}`);
  return 0;
}

/** The results.json a folder job writes beside summary.csv (the --json object); merge reads it. */
export const RESULTS_FILE = 'results.json';
