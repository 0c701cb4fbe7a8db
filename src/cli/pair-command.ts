import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError, orList } from '../core/errors';
import { explainPair, type PairResult } from '../core/explain/pair/explain-pair';
import { pairProvenance } from '../core/explain/provenance';
import {
  ASSIGNS,
  isPairMethod,
  JOINTS,
  PAIR_METHODS,
  pairMethodSpec,
  SIMILARITIES,
  TRANSFORMS,
  type Assign,
  type Joint,
  type Similarity,
  type TransformName,
} from '../core/explain/pair/specs';
import type { PairParams } from '../core/explain/pair/types';
import { augmentImage, formatAugment, parseAugment } from '../core/image/augment';
import { COLORMAPS, DEFAULT_COLORMAP, isColormap, SIGNED_COLORMAP, type ColormapName } from '../core/image/specs';
import { inputFit, readImage, type RgbImage } from '../core/image/decode';
import { blend, colorize, encodePng, fitOutput, type RgbaImage } from '../core/image/overlay';
import { limits } from '../core/limits';
import { loadModel } from '../core/model/load';
import { resolveModelSettings } from '../core/model/model-config';
import { sha256File } from '../core/model/sha256';
import { intOption, numberOption, parse } from './args';
import { EXPLAIN_OPTIONS, preprocessFrom } from './explain-command';
import { fromWorker, withPool, workerCount } from './cli-pool';
import { splitShares } from '../pool/split';

export const PAIR_OPTIONS = {
  method: { type: 'string' },
  layer: { type: 'string' },
  embedding: { type: 'string' },
  similarity: { type: 'string', default: SIMILARITIES[0] },
  augment: { type: 'string' },
  window: { type: 'string' },
  stride: { type: 'string' },
  samples: { type: 'string' },
  temperature: { type: 'string' },
  assign: { type: 'string', default: ASSIGNS[0] },
  joint: { type: 'string', default: JOINTS[0] },
  transform: { type: 'string', default: TRANSFORMS[0] },
  seed: { type: 'string' },
  'batch-size': { type: 'string' },
  'heatmap-out': { type: 'string' },
  out: { type: 'string' },
  'view-out': { type: 'string' },
  metrics: { type: 'boolean', default: false },
  colormap: { type: 'string' },
  opacity: { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
  json: { type: 'boolean', default: false },
  preprocess: EXPLAIN_OPTIONS.preprocess,
  scale: EXPLAIN_OPTIONS.scale,
  mean: EXPLAIN_OPTIONS.mean,
  std: EXPLAIN_OPTIONS.std,
  'channel-order': EXPLAIN_OPTIONS['channel-order'],
  resize: EXPLAIN_OPTIONS.resize,
  color: EXPLAIN_OPTIONS.color,
  invert: EXPLAIN_OPTIONS.invert,
} as const;

const USAGE = `usage: model-lens pair <encoder> <imageA> [<imageB> | --augment SPEC] --method ${PAIR_METHODS.join('|')} [options] (see model-lens --help)`;

type Values = ReturnType<typeof parse>['values'];
const str = (v: Values, k: string) => v[k] as string | undefined;

/** The two views' overlays side by side (a, then b; the shorter one padded with black below). */
export function renderPairOverlay(images: [RgbImage, RgbImage], r: PairResult, colormap: ColormapName | undefined, opacity: number): Buffer {
  const cmap = colormap ?? (r.signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP);
  const [oa, ob] = (
    [
      ['a', images[0]],
      ['b', images[1]],
    ] as const
  ).map(([k, img]) => blend(img, colorize(r[k].image.values, r[k].image.width, r[k].image.height, cmap, r.signed), opacity));
  const out: RgbaImage = {
    width: oa.width + ob.width,
    height: Math.max(oa.height, ob.height),
    data: new Uint8ClampedArray((oa.width + ob.width) * Math.max(oa.height, ob.height) * 4),
  };
  for (let p = 3; p < out.data.length; p += 4) out.data[p] = 255;
  for (const [o, x0] of [
    [oa, 0],
    [ob, oa.width],
  ] as const) {
    for (let y = 0; y < o.height; y++) out.data.set(o.data.subarray(y * o.width * 4, (y + 1) * o.width * 4), (y * out.width + x0) * 4);
  }
  return encodePng(out);
}

/** The JSON shape of `pair --heatmap-out`. */
export function pairHeatmapJson(r: PairResult, params: Record<string, unknown>) {
  const grid = (g: { width: number; height: number; values: Float32Array }) => ({ width: g.width, height: g.height, values: Array.from(g.values) });
  return {
    method: r.method,
    similarity: r.similarity,
    a: { grid: grid(r.a.grid), image: grid(r.a.image) },
    b: { grid: grid(r.b.grid), image: grid(r.b.image) },
    params,
  };
}

function toPng(img: RgbImage): Buffer {
  const data = new Uint8ClampedArray(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(img.data[p * 3 + c]);
    data[p * 4 + 3] = 255;
  }
  return encodePng({ width: img.width, height: img.height, data });
}

export async function pairCommand(args: string[], stdout: (s: string) => void, stderr: (s: string) => void = () => {}): Promise<number> {
  const { values: v, positionals } = parse(args, PAIR_OPTIONS);
  if (positionals.length < 2 || positionals.length > 3) throw new InputError(USAGE);
  const [modelPath, imageAPath, imageBPath] = positionals;
  const augmentSpec = str(v, 'augment');
  if (imageBPath !== undefined && augmentSpec !== undefined) throw new InputError('give either a second image or --augment SPEC, not both');
  if (imageBPath === undefined && augmentSpec === undefined)
    throw new InputError('give a second image or --augment SPEC (for example --augment crop=0.5,flip,jitter=0.4)');
  const method = str(v, 'method');
  if (method === undefined) throw new InputError(`--method is required: one of ${PAIR_METHODS.join(', ')}`);
  if (!isPairMethod(method)) throw new InputError(`--method must be one of ${PAIR_METHODS.join(', ')} (got "${method}")`);
  const similarity = str(v, 'similarity')!;
  if (!(SIMILARITIES as readonly string[]).includes(similarity)) throw new InputError(`--similarity must be ${orList(SIMILARITIES)} (got "${similarity}")`);
  const joint = str(v, 'joint')!;
  if (!(JOINTS as readonly string[]).includes(joint)) throw new InputError(`--joint must be ${orList(JOINTS)} (got "${joint}")`);
  const transform = str(v, 'transform')!;
  if (!(TRANSFORMS as readonly string[]).includes(transform)) throw new InputError(`--transform must be one of ${TRANSFORMS.join(', ')} (got "${transform}")`);
  if (str(v, 'layer') !== undefined && !pairMethodSpec(method).layer)
    throw new InputError("--layer chooses Interaction-CAM's feature layer; use --embedding to choose the embedding for other methods");
  const colormap = str(v, 'colormap');
  if (colormap !== undefined && !isColormap(colormap)) throw new InputError(`--colormap must be one of ${COLORMAPS.join(', ')} (got "${colormap}")`);
  const opacity = numberOption(str(v, 'opacity'), 'opacity', 0, 1) ?? 0.5;
  const backendArg = str(v, 'backend');
  if (backendArg !== undefined && !isBackendName(backendArg)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backendArg}")`);
  const ops = augmentSpec !== undefined ? parseAugment(augmentSpec) : undefined;
  const params: Partial<PairParams> = { joint: joint as Joint, transform: transform as TransformName };
  const set = <K extends keyof PairParams>(k: K, value: PairParams[K] | undefined) => {
    if (value !== undefined) params[k] = value;
  };
  set('window', intOption(str(v, 'window'), 'window'));
  set('stride', intOption(str(v, 'stride'), 'stride'));
  set('samples', intOption(str(v, 'samples'), 'samples'));
  const temperatureArg = str(v, 'temperature');
  if (temperatureArg !== undefined) {
    const t = Number(temperatureArg);
    if (temperatureArg.trim() === '' || !Number.isFinite(t) || t <= 0)
      throw new InputError(`--temperature must be a number greater than 0 (got "${temperatureArg}")`);
    set('temperature', t);
  }
  const assign = str(v, 'assign')!;
  if (!(ASSIGNS as readonly string[]).includes(assign)) throw new InputError(`--assign must be ${orList(ASSIGNS)} (got "${assign}")`);
  set('assign', assign as Assign);
  set('seed', intOption(str(v, 'seed'), 'seed', 0));
  set('batchSize', intOption(str(v, 'batch-size'), 'batch-size'));
  const seed = params.seed ?? 0;

  const backend = await initEngine({ backend: backendArg as never });
  const model = await loadModel(modelPath);
  const settings = resolveModelSettings(model.path);
  const preprocess = preprocessFrom(v, model, settings).spec;
  const fit = { input: inputFit(model.inputs[0].shape) };
  const imageA = await readImage(imageAPath, fit);
  const imageB = ops ? augmentImage(imageA, ops, seed) : await readImage(imageBPath!, fit);
  const viewOut = str(v, 'view-out');
  if (viewOut) fs.writeFileSync(viewOut, toPng(imageB));
  // A method with a loop of batched passes (occlusion windows, trials, transforms) shares it out over a
  // pool of workers (src/pool/split.ts); the last pass, which replays every share's values, runs here.
  const workers = pairMethodSpec(method).batched ? workerCount(str(v, 'workers'), 'pair', backendArg, stderr) : 1;
  const job = {
    modelPath,
    imageA: imageAPath,
    imageB: imageBPath,
    augment: augmentSpec,
    method,
    embedding: str(v, 'embedding'),
    layer: str(v, 'layer'),
    similarity: similarity as Similarity,
    params,
    preprocess,
  };
  const split =
    workers > 1
      ? await withPool(workers, backendArg, (pool) =>
          splitShares(pool, 'pair', job).catch((e) => {
            throw fromWorker(e, imageAPath);
          }),
        )
      : undefined;
  const r = await explainPair(model, imageA, imageB, {
    method,
    embedding: job.embedding ?? (typeof settings.output === 'string' ? settings.output : undefined),
    layer: job.layer,
    similarity: job.similarity,
    params,
    preprocess,
    metrics: v.metrics as boolean,
    split,
  });
  const allParams = pairProvenance(
    r,
    { imageA: path.resolve(imageAPath), imageB: imageBPath ? path.resolve(imageBPath) : null, augment: ops ? formatAugment(ops) : null },
    { model, sha256: sha256File(model.path) },
    preprocess,
    { colormap: colormap ?? (r.signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP), opacity },
  );
  const out = str(v, 'out');
  // Overlays and exported maps are at most --out-size on their long side, as explain's.
  const fa = fitOutput(imageA, r.a.image.values, limits().outSize);
  const fb = fitOutput(imageB, r.b.image.values, limits().outSize);
  const shown: PairResult = {
    ...r,
    a: { ...r.a, image: { width: fa.image.width, height: fa.image.height, values: fa.map } },
    b: { ...r.b, image: { width: fb.image.width, height: fb.image.height, values: fb.map } },
  };
  if (out) fs.writeFileSync(out, renderPairOverlay([fa.image, fb.image], shown, colormap as ColormapName | undefined, opacity));
  const heat = str(v, 'heatmap-out');
  if (heat) fs.writeFileSync(heat, JSON.stringify(pairHeatmapJson(shown, allParams)));
  const metrics = v.metrics ? { a: r.a.metrics, b: r.b.metrics } : undefined;
  if (v.json) {
    stdout(JSON.stringify({ backend, method, similarity: r.similarity, base: r.base, timeMs: r.timeMs, params: allParams, ...(metrics ? { metrics } : {}) }));
  } else {
    stdout(
      `${method}: ${r.similarity} similarity ${r.base.toFixed(4)} (embedding ${r.embedding}), ${r.timeMs.toFixed(0)} ms on ${backend}${out ? ` → ${out}` : ''}`,
    );
    if (r.details.effectiveTrials !== undefined)
      stdout(
        `  ${r.details.effectiveTrials.toFixed(1)} of ${r.details.trials} trials effective (1/Σw²); b − sim spans ${r.details.similarityRange.toFixed(4)}`,
      );
    if (metrics) {
      for (const k of ['a', 'b'] as const)
        stdout(`  view ${k}: deletion AUC ${metrics[k]!.deletion.auc.toFixed(4)}, insertion AUC ${metrics[k]!.insertion.auc.toFixed(4)}`);
    }
  }
  return 0;
}
