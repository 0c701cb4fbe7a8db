// `model-lens evaluate <model> <image or folder> [--method M]...`: can the maps be trusted? Deletion and
// insertion AUC with a random-order baseline, the pointing games with boxes, the cascading-randomisation
// sanity check (core/metrics/).
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { DEFAULT_METHOD, isMethod, METHODS, type MethodName } from '../core/explain/specs';
import { evaluateResult, runEvaluate } from '../core/metrics/evaluate-run';
import { listImages } from '../core/image/image-list';
import { parse } from './args';
import { fromWorker, pieces, restartNote, withPool, workerCount } from './cli-pool';
import { progressReporter } from './knowledge-command';

export const EVALUATE_OPTIONS = {
  method: { type: 'string', multiple: true },
  boxes: { type: 'string' },
  sanity: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  backend: { type: 'string' },
  workers: { type: 'string' },
} as const;

const num = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));

export async function evaluateCommand(args: string[], stdout: (s: string) => void, stderr: (s: string) => void = () => {}): Promise<number> {
  const { values: v, positionals } = parse(args, EVALUATE_OPTIONS);
  if (positionals.length !== 2) throw new InputError('usage: model-lens evaluate <model> <image or folder> [--method M]... [--boxes FILE] [--sanity] [--json]');
  const methods = (v.method as string[] | undefined) ?? [DEFAULT_METHOD];
  for (const m of methods) if (!isMethod(m)) throw new InputError(`--method must be one of ${METHODS.join(', ')} (got "${m}")`);
  const backendArg = v.backend as string | undefined;
  if (backendArg !== undefined && !isBackendName(backendArg)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backendArg}")`);
  await initEngine({ backend: backendArg as never });
  const job = {
    model: positionals[0],
    target: positionals[1],
    methods: [...new Set(methods)] as MethodName[],
    boxesFile: v.boxes as string | undefined,
    sanity: v.sanity as boolean,
  };
  const report = progressReporter('model-lens evaluate', stderr);
  const listed = listImages(job.target).length;
  const workers = workerCount(v.workers as string | undefined, 'evaluate', backendArg, stderr, listed);
  // With a pool, each worker evaluates a piece of the folder; the means are taken here over every image.
  const result =
    workers > 1
      ? await withPool(workers, backendArg, async (pool) => {
          const parts = pieces(
            Array.from({ length: listed }, (_, i) => i),
            pool.size,
          );
          let done = 0;
          const total = listed * job.methods.length;
          const evaluated = await pool
            .map(parts, 'evaluateImages', (pick) => ({ job, pick }), { onResult: (k) => report((done += parts[k].length * job.methods.length), total) })
            .catch((e) => {
              throw fromWorker(e, job.target);
            });
          const note = restartNote('evaluate', pool, 'share');
          if (note) stderr(note);
          return evaluateResult(job, evaluated);
        })
      : await runEvaluate({ ...job, onProgress: report });
  if (v.json) {
    stdout(JSON.stringify(result));
    return 0;
  }
  stdout(
    `${result.images.length} image${result.images.length === 1 ? '' : 's'}; the score is the target's ${result.score === 'probability' ? 'probability' : 'raw output'}; (random: a random order or map)`,
  );
  stdout('method | deletion AUC ↓ (random) | insertion AUC ↑ (random) | pointing (random) | energy in box (random)');
  for (const [method, m] of Object.entries(result.means)) {
    stdout(
      `${method} | ${num(m.deletionAuc)} (${num(m.randomDeletionAuc)}) | ${num(m.insertionAuc)} (${num(m.randomInsertionAuc)}) | ${num(m.pointing, 2)} (${num(m.randomPointing, 2)}) | ${num(m.energyPointing)} (${num(m.randomPointing)})`,
    );
  }
  for (const [method, m] of Object.entries(result.means)) {
    if (!m.sanity) continue;
    stdout(`sanity, ${method}: rank correlation with the original map as layers are randomised from the top`);
    for (const s of m.sanity) stdout(`  ${s.layer}: ${num(s.rankCorrelation)}`);
  }
  return 0;
}
