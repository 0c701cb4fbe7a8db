// `model-lens knowledge <model> <images> --boxes FILE`: knowledge points per image (core/distill/knowledge.ts),
// and over a run's checkpoints the learning speed D and stability ρ (core/distill/checkpoints.ts).
import * as fs from 'node:fs';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { GRID, KNOWLEDGE_DEFAULTS, type KnowledgeParams } from '../core/distill/knowledge';
import { runKnowledge } from '../core/distill/knowledge-run';
import { listImages } from '../core/image/image-list';
import { intOption, numberOption, parse } from './args';
import { fromWorker, pieces, restartNote, withPool, workerCount } from './cli-pool';

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
} as const;

/**
 * A progress line on stderr at most every `every` ms (10 s): the share done and the time left at the rate since the
 * first report (the set-up before the first step — loading, a teacher's cached outputs — would otherwise
 * inflate the first estimates many times over).
 */
export function progressReporter(what: string, stderr: (s: string) => void, every = 10_000, now = () => Date.now()): (done: number, total: number) => void {
  let last = now();
  let first: { t: number; done: number } | undefined;
  return (done, total) => {
    const t = now();
    first ??= { t, done };
    if (t - last < every || done >= total || done <= first.done) return;
    last = t;
    const left = ((t - first.t) / (done - first.done)) * (total - done);
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
  const workers = workerCount(v.workers as string | undefined, 'knowledge', backendArg, stderr, listImages(target).length);
  // With a pool, the points of each model and checkpoint are found by the workers, a piece of the images
  // each; D and ρ are taken here.
  const run =
    workers > 1
      ? await withPool(workers, backendArg, async (pool) => {
          const r = await runKnowledge({
            ...options,
            pointsOf: async (job) => {
              const parts = pieces(job.images, pool.size);
              const points = await pool
                .map(parts, 'knowledgePoints', (images) => ({ ...job, images }))
                .catch((e) => {
                  throw fromWorker(e, target);
                });
              return points.flat();
            },
          });
          const note = restartNote('knowledge', pool, 'share');
          if (note) stderr(note);
          return r;
        })
      : await runKnowledge(options);
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

const fmt = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : '—');
