// `model-lens compare <model> <model>... <image or folder>`: two or more models on the same images
// (core/distill/compare.ts): accuracy, agreement, KL, pointing game, map similarity, disagreements.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { compareOverlay, summariseComparison } from '../core/distill/compare';
import { compareImagesOf } from '../core/distill/compare-run';
import type { ComparedImages, ImageComparison } from '../core/distill/compare-types';
import { modelFilesHash } from '../core/explain/explain-file';
import { limits } from '../core/limits';
import { resolveModelFile } from '../core/model/load';
import { sha256File } from '../core/model/sha256';
import { DEFAULT_METHOD, isMethod, METHODS, type MethodName } from '../core/explain/specs';
import { IMAGE_FILE, listImages } from '../core/image/image-list';
import { encodePng } from '../core/image/overlay';
import { parse } from './args';
import { fromWorker, pieces, restartNote, withPool, workerCount } from './cli-pool';
import { CACHE_DIR, folderProgress, ResultCache, writeAtomic } from './folder-job';

export const COMPARE_OPTIONS = {
  method: { type: 'string', default: DEFAULT_METHOD },
  layer: { type: 'string', multiple: true },
  labels: { type: 'string' },
  boxes: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
  fresh: { type: 'boolean', default: false },
  'no-cache': { type: 'boolean', default: false },
} as const;

/** A cache entry: one image's contribution and the models' paths as loaded. */
type ComparedImage = { paths: ComparedImages['paths']; image: ImageComparison };

const fmt = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));

export async function compareCommand(args: string[], stdout: (s: string) => void, stderr: (s: string) => void = () => {}): Promise<number> {
  const { values: v, positionals } = parse(args, COMPARE_OPTIONS);
  if (positionals.length < 3)
    throw new InputError('compare needs at least two models and an image or folder: model-lens compare <model> <model>... <image or folder>');
  const modelPaths = positionals.slice(0, -1);
  const target = positionals.at(-1)!;
  const method = v.method as string;
  if (!isMethod(method)) throw new InputError(`--method must be one of ${METHODS.join(', ')} (got "${method}")`);
  const layers = (v.layer as string[] | undefined) ?? [];
  if (layers.length > modelPaths.length)
    throw new InputError(`--layer is given ${layers.length} times for ${modelPaths.length} models (one per model, in model order)`);
  const backendArg = v.backend as string | undefined;
  if (backendArg !== undefined && !isBackendName(backendArg)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backendArg}")`);
  await initEngine({ backend: backendArg as never });
  const outDir = v.out as string | undefined;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  const job = {
    models: modelPaths,
    target,
    method: method as MethodName,
    layers,
    labelsFile: v.labels as string | undefined,
    boxesFile: v.boxes as string | undefined,
  };
  const listed = listImages(target);
  const stemOf = (name: string) => name.replace(/[\\/]/g, '_').replace(IMAGE_FILE, '');
  const overlaysOf = (i: number) => (outDir ? modelPaths.map((_, m) => path.join(outDir, `${stemOf(listed[i].name)}.m${m + 1}.overlay.png`)) : []);
  // With --out, each image's contribution is cached in <out>/.model-lens-cache/ under the hash of everything
  // it depends on: an interrupted run continues where it stopped, a re-run is instant.
  const cache = outDir ? new ResultCache<ComparedImage>(path.join(outDir, CACHE_DIR), v['no-cache'] ? 'off' : v.fresh ? 'refresh' : 'use') : undefined;
  const common = cache && {
    v: 1,
    models: modelPaths.map((p) => ({ path: p, files: modelFilesHash(resolveModelFile(p)) })),
    method,
    layers,
    labels: job.labelsFile ? sha256File(job.labelsFile) : null,
    boxes: job.boxesFile ? sha256File(job.boxesFile) : null,
    backend: backendArg ?? process.env.MODEL_LENS_BACKEND ?? 'auto',
    outSize: limits().outSize,
  };
  const keys = listed.map((f) => (common ? ResultCache.key({ ...common, image: sha256File(f.file), name: f.name }) : ''));
  const contributions = new Array<ImageComparison>(listed.length);
  let loadedPaths: string[] = modelPaths;
  // A folder's progress on stderr (a bar on a terminal); nothing for one image.
  const progress = listed.length > 1 ? folderProgress('model-lens compare', listed.length, stderr) : undefined;
  const todo: number[] = [];
  listed.forEach((_, i) => {
    const hit = cache?.get(keys[i], overlaysOf(i));
    if (!hit) return todo.push(i);
    contributions[i] = hit.image;
    loadedPaths = hit.paths;
    progress?.tick(true);
  });
  /** One image finished: its overlays written (whole or not at all), then its cache entry. */
  const finish = (i: number, image: ImageComparison, paths: string[], pngs: Uint8Array[] | undefined) => {
    if (outDir) pngs?.forEach((png, m) => writeAtomic(overlaysOf(i)[m], png));
    contributions[i] = image;
    loadedPaths = paths;
    cache?.set(keys[i], { paths, image });
    progress?.tick();
  };
  const workers = workerCount(v.workers as string | undefined, 'compare', backendArg, stderr, todo.length);
  // With a pool, each worker compares the models on a piece of the folder (and draws its overlays);
  // the means and the order by disagreement are taken here over every image.
  if (todo.length && workers > 1)
    await withPool(workers, backendArg, async (pool) => {
      const parts = pieces(todo, pool.size);
      await pool
        .map(parts, 'compareImages', (pick) => ({ job, pick, overlays: Boolean(outDir) }), {
          onResult: (k, r) => parts[k].forEach((i, n) => finish(i, r.images[n], r.paths, r.overlays?.[n])),
        })
        .catch((e) => {
          throw fromWorker(e, target);
        });
      const note = restartNote('compare', pool, 'share');
      if (note) stderr(note);
    });
  else
    for (const i of todo) {
      let pngs: Uint8Array[] | undefined;
      const r = await compareImagesOf({ ...job, onImage: (img, results) => (pngs = results.map((x) => encodePng(compareOverlay(img.image, x)))) }, [i]);
      finish(i, r.images[0], r.paths, pngs);
    }
  const result = summariseComparison(loadedPaths, contributions);
  const images = listed.length;
  if (progress) stderr(progress.stop());
  if (outDir) fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  if (v.json) {
    stdout(JSON.stringify(result));
    return 0;
  }
  stdout(`${images} image${images === 1 ? '' : 's'}, ${method}`);
  stdout('model  accuracy  agreement  KL(first‖it)  pointing');
  result.models.forEach((m, k) => stdout(`m${k + 1} ${m.path}  ${fmt(m.accuracy)}  ${fmt(m.agreement)}  ${fmt(m.kl, 4)}  ${fmt(m.pointing)}`));
  for (const p of result.pairs)
    stdout(`maps ${p.a} vs ${p.b}: rank correlation ${fmt(p.rankCorrelation)}, top-20 % IoU ${fmt(p.iouTop20)}, cosine ${fmt(p.cosine)}`);
  const disagreeing = result.images.filter((i) => i.disagreement > 0);
  stdout(
    disagreeing.length
      ? `most disagreement: ${disagreeing
          .slice(0, 5)
          .map((i) => `${i.image} (${i.predictions.map((p) => p.label ?? p.index).join(' / ')})`)
          .join(', ')}`
      : 'the models agree on every image',
  );
  if (outDir) stdout(`overlays and results.json: ${outDir}`);
  return 0;
}
