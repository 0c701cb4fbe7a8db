// `model-lens knowledge <model> <images> --boxes FILE`: knowledge points per image (core/distill/knowledge.ts),
// and over a run's checkpoints the learning speed D and stability ρ (core/distill/checkpoints.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { GRID, KNOWLEDGE_DEFAULTS, type KnowledgeParams } from '../core/distill/knowledge';
import { knowledgePointsOf, runKnowledge } from '../core/distill/knowledge-run';
import type { ImagePoints, KnowledgePointsJob, KnowledgeResult } from '../core/distill/knowledge-types';
import { modelFilesHash } from '../core/explain/explain-file';
import { resolveModelFile } from '../core/model/load';
import { sha256File } from '../core/model/sha256';
import type { WorkerPool } from '../pool/pool';
import { listImages } from '../core/image/image-list';
import { intOption, numberOption, parse } from './args';
import { fromWorker, pieces, restartNote, withPool, workerCount } from './cli-pool';
import { CACHE_DIR, ResultCache } from './folder-job';

export const KNOWLEDGE_OPTIONS = {
  boxes: { type: 'string' },
  layer: { type: 'string' },
  checkpoints: { type: 'string' },
  steps: { type: 'string' },
  samples: { type: 'string' },
  lambda: { type: 'string' },
  b: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  'heatmap-out': { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
  out: { type: 'string' },
  fresh: { type: 'boolean', default: false },
  'no-cache': { type: 'boolean', default: false },
} as const;

/**
 * Progress on stderr: on a terminal a bar with the time left (cli-progress), otherwise a line at most
 * every `every` ms (10 s) — the share done and the time left at the rate since the first report (the
 * set-up before the first step — loading, a teacher's cached outputs — would otherwise inflate the
 * first estimates many times over).
 */
export function progressReporter(
  what: string,
  stderr: (s: string) => void,
  every = 10_000,
  now = () => Date.now(),
  tty = Boolean(process.stderr.isTTY),
): (done: number, total: number) => void {
  let last = now();
  let first: { t: number; done: number } | undefined;
  let bar: SingleBar | undefined;
  return (done, total) => {
    const t = now();
    first ??= { t, done };
    const left = done > first.done ? ((t - first.t) / (done - first.done)) * (total - done) : undefined;
    if (tty) {
      const payload = { left: left === undefined ? '…' : `${Math.ceil(left / 1000)} s` };
      if (!bar) {
        bar = new SingleBar({ format: `${what} [{bar}] {percentage} % · {value}/{total} steps · {left} left`, stream: process.stderr, hideCursor: true });
        bar.start(total, done, payload);
      } else bar.update(done, payload);
      if (done >= total) bar.stop();
      return;
    }
    if (t - last < every || done >= total || left === undefined) return;
    last = t;
    stderr(`${what}: ${Math.floor((100 * done) / total)} % (${done} of ${total} steps), about ${Math.ceil(left / 1000)} s left`);
  };
}

export async function knowledgeCommand(args: string[], stdout: (s: string) => void, stderr: (s: string) => void = () => {}): Promise<number> {
  const { values: v, positionals } = parse(args, KNOWLEDGE_OPTIONS);
  if (positionals.length !== 2) throw new InputError('usage: model-lens knowledge <model> <image or folder> --boxes FILE [options] (see model-lens --help)');
  const [modelPath, target] = positionals;
  const boxesFile = v.boxes as string | undefined;
  if (!boxesFile) throw new InputError('knowledge needs --boxes FILE: the foreground box of each image');
  const backendArg = v.backend as string | undefined;
  if (backendArg !== undefined && !isBackendName(backendArg)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backendArg}")`);
  const params: KnowledgeParams = {
    ...KNOWLEDGE_DEFAULTS,
    steps: intOption(v.steps as string | undefined, 'steps') ?? KNOWLEDGE_DEFAULTS.steps,
    samples: intOption(v.samples as string | undefined, 'samples') ?? KNOWLEDGE_DEFAULTS.samples,
    lambda: numberOption(v.lambda as string | undefined, 'lambda') ?? KNOWLEDGE_DEFAULTS.lambda,
    b: numberOption(v.b as string | undefined, 'b') ?? KNOWLEDGE_DEFAULTS.b,
    seed: intOption(v.seed as string | undefined, 'seed', 0) ?? KNOWLEDGE_DEFAULTS.seed,
  };
  await initEngine({ backend: backendArg as never });
  const checkpointsArg = v.checkpoints as string | undefined;
  const report = progressReporter('model-lens knowledge', stderr);
  const options = {
    model: modelPath,
    target,
    boxesFile,
    layer: v.layer as string | undefined,
    checkpoints: checkpointsArg,
    params,
    onProgress: report,
  };
  const outDir = v.out as string | undefined;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  // With --out, each image's points in each model or checkpoint are cached in <out>/.model-lens-cache/
  // under the hash of everything they depend on: an interrupted run continues, a re-run is instant.
  const cache = outDir ? new ResultCache<CachedPoints>(path.join(outDir, CACHE_DIR), v['no-cache'] ? 'off' : v.fresh ? 'refresh' : 'use') : undefined;
  const backend = backendArg ?? process.env.MODEL_LENS_BACKEND ?? 'auto';
  const workers = workerCount(v.workers as string | undefined, 'knowledge', backendArg, stderr, listImages(target).length);
  const counts = { all: 0, cached: 0 };
  /** The points of a model's images: the cached ones, the rest on the pool (a piece of the images per worker) or here. */
  const pointsOf = async (job: KnowledgePointsJob, onProgress: (done: number) => void, pool?: WorkerPool): Promise<ImagePoints> => {
    const model = cache ? modelFilesHash(resolveModelFile(job.model)) : '';
    const keys = job.images.map((img) =>
      cache ? ResultCache.key({ v: 1, model, image: sha256File(img.file), name: img.name, box: img.box, layer: job.layer, params: job.params, backend }) : '',
    );
    const out = new Array<ImagePoints[number]>(job.images.length);
    const todo: number[] = [];
    job.images.forEach((img, i) => {
      const hit = cache?.get(keys[i], []);
      if (hit) out[i] = { name: img.name, result: { ...hit, entropy: Float32Array.from(hit.entropy) } };
      else todo.push(i);
    });
    counts.all += job.images.length;
    counts.cached += job.images.length - todo.length;
    let done = (job.images.length - todo.length) * job.params.steps;
    onProgress(done);
    const store = (i: number, p: ImagePoints[number]) => {
      out[i] = p;
      cache?.set(keys[i], { ...p.result, entropy: Array.from(p.result.entropy) });
    };
    if (pool && todo.length > 1) {
      const parts = pieces(todo, pool.size);
      await pool
        .map(parts, 'knowledgePoints', (pick) => ({ ...job, images: pick.map((i) => job.images[i]) }), {
          onResult: (k, r) => {
            parts[k].forEach((i, n) => store(i, r[n]));
            onProgress((done += parts[k].length * job.params.steps));
          },
        })
        .catch((e) => {
          throw fromWorker(e, target);
        });
    } else
      for (const i of todo) {
        const base = done;
        const [p] = await knowledgePointsOf({ ...job, images: [job.images[i]] }, { onProgress: (d) => onProgress(base + d) });
        store(i, p);
        onProgress((done = base + job.params.steps));
      }
    return out;
  };
  // With a pool, the points of each model and checkpoint are found by the workers, a piece of the images
  // each; D and ρ are taken here.
  const run =
    workers > 1
      ? await withPool(workers, backendArg, async (pool) => {
          const r = await runKnowledge({ ...options, pointsOf: (job, onProgress) => pointsOf(job, onProgress, pool) });
          const note = restartNote('knowledge', pool, 'share');
          if (note) stderr(note);
          return r;
        })
      : await runKnowledge({ ...options, pointsOf: (job, onProgress) => pointsOf(job, onProgress) });
  const out: Record<string, unknown> = {
    model: run.model,
    layer: run.layer,
    images: run.images.map(({ image, nFg, nBg, lambdaFg, meanEntropyBg }) => ({ image, nFg, nBg, lambdaFg, meanEntropyBg })),
    ...(run.checkpoints ? { checkpoints: run.checkpoints, dMean: run.dMean, dStd: run.dStd, rho: run.rho } : {}),
  };
  const heatmapOut = v['heatmap-out'] as string | undefined;
  if (heatmapOut)
    fs.writeFileSync(
      heatmapOut,
      JSON.stringify({ images: run.images.map((r) => ({ image: r.image, grid: { width: GRID, height: GRID, values: r.grid }, points: r.points })) }),
    );
  if (outDir) {
    fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(out, null, 2) + '\n');
    if (cache) stderr(`model-lens knowledge: ${counts.all} images' points over the model and its checkpoints, ${counts.cached} from the cache`);
  }
  if (v.json) stdout(JSON.stringify(out));
  else {
    stdout(
      `${run.model} at ${run.layer}: ${run.images.length} image${run.images.length === 1 ? '' : 's'}, ${params.steps} steps × ${params.samples} samples, λ ${params.lambda}, b ${params.b}`,
    );
    for (const r of run.images) stdout(`${r.image}: N_fg ${r.nFg}, N_bg ${r.nBg}, λ_fg ${r.lambdaFg === null ? '—' : r.lambdaFg.toFixed(3)}`);
    if (checkpointsArg) stdout(`D_mean ${fmt(out.dMean)}, D_std ${fmt(out.dStd)}, ρ ${fmt(out.rho)}`);
  }
  return 0;
}

/** A cache entry: one image's points, its entropy grid as a plain array. */
type CachedPoints = Omit<KnowledgeResult, 'entropy'> & { entropy: number[] };

const fmt = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : '—');
