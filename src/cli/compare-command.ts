// `model-lens compare <model> <model>... <image or folder>`: two or more models on the same images
// (core/distill/compare.ts): accuracy, agreement, KL, pointing game, map similarity, disagreements.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { compareOverlay } from '../core/distill/compare';
import { runCompare } from '../core/distill/compare-run';
import { DEFAULT_METHOD, isMethod, METHODS, type MethodName } from '../core/explain/specs';
import { IMAGE_FILE } from '../core/image/image-list';
import { encodePng } from '../core/image/overlay';
import { parse } from './args';

export const COMPARE_OPTIONS = {
  method: { type: 'string', default: DEFAULT_METHOD },
  layer: { type: 'string', multiple: true },
  labels: { type: 'string' },
  boxes: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  backend: { type: 'string' },
} as const;

const fmt = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));

export async function compareCommand(args: string[], stdout: (s: string) => void): Promise<number> {
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
  const { result, images } = await runCompare({
    models: modelPaths,
    target,
    method: method as MethodName,
    layers,
    labelsFile: v.labels as string | undefined,
    boxesFile: v.boxes as string | undefined,
    onImage: (img, results) => {
      if (!outDir) return;
      const stem = img.name.replace(/[\\/]/g, '_').replace(IMAGE_FILE, '');
      results.forEach((r, k) => fs.writeFileSync(path.join(outDir, `${stem}.m${k + 1}.overlay.png`), encodePng(compareOverlay(img.image, r))));
    },
  });
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
