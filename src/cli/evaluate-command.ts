// `model-lens evaluate <model> <image or folder> [--method M]...`: can the maps be trusted? Deletion and
// insertion AUC with a random-order baseline, the pointing games with boxes, the cascading-randomisation
// sanity check (core/metrics/).
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { DEFAULT_METHOD, isMethod, METHODS, type MethodName } from '../core/explain/specs';
import { runEvaluate } from '../core/metrics/evaluate-run';
import { parse } from './args';
import { progressReporter } from './knowledge-command';

export const EVALUATE_OPTIONS = {
  method: { type: 'string', multiple: true },
  boxes: { type: 'string' },
  sanity: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  backend: { type: 'string' },
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
  const result = await runEvaluate({
    model: positionals[0],
    target: positionals[1],
    methods: [...new Set(methods)] as MethodName[],
    boxesFile: v.boxes as string | undefined,
    sanity: v.sanity as boolean,
    onProgress: progressReporter('model-lens evaluate', stderr),
  });
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
