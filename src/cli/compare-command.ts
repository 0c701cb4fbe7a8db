// `model-lens compare <model> <model>... <image or folder>`: two or more models on the same images
// (core/distill/compare.ts): accuracy, agreement, KL, pointing game, map similarity, disagreements.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { compareModels, type CompareImage, type CompareModel } from '../core/distill/compare';
import { DEFAULT_METHOD, isMethod, METHODS, type MethodName } from '../core/explain/specs';
import { readImage } from '../core/image/decode';
import { renderExport } from '../core/image/export';
import { encodePng } from '../core/image/overlay';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../core/image/specs';
import { limits } from '../core/limits';
import { parseBoxes } from '../core/metrics/boxes';
import { loadModel } from '../core/model/load';
import { resolveModelSettings, resolvePreprocess } from '../core/model/model-config';
import { parse } from './args';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export const COMPARE_OPTIONS = {
  method: { type: 'string', default: DEFAULT_METHOD },
  layer: { type: 'string', multiple: true },
  labels: { type: 'string' },
  boxes: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  backend: { type: 'string' },
} as const;

/** The images of a file or folder, with the class a sub-folder names (one level of class folders). */
function listImages(target: string): { file: string; name: string; truth?: string }[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new InputError(`${target}: file not found`);
  if (!stat.isDirectory()) return [{ file: target, name: path.basename(target) }];
  const out: { file: string; name: string; truth?: string }[] = [];
  for (const e of fs.readdirSync(target, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isFile() && IMAGE_EXT.test(e.name)) out.push({ file: path.join(target, e.name), name: e.name });
    else if (e.isDirectory() && !e.name.startsWith('.'))
      for (const f of fs
        .readdirSync(path.join(target, e.name))
        .filter((f) => IMAGE_EXT.test(f))
        .sort())
        out.push({ file: path.join(target, e.name, f), name: `${e.name}/${f}`, truth: e.name });
  }
  if (out.length === 0) throw new InputError(`${target}: the folder holds no PNG or JPEG images`);
  return out;
}

/** The demo layout's class labels ("label": index) by file, when the boxes file has them. */
function labelsFromBoxes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const json = JSON.parse(text) as { file?: unknown; label?: unknown }[];
    if (Array.isArray(json)) for (const e of json) if (typeof e?.file === 'string' && Number.isInteger(e.label)) out.set(e.file, e.label as number);
  } catch {
    // parseBoxes reports a malformed file.
  }
  return out;
}

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

  const labelsFile = v.labels as string | undefined;
  const extraLabels = labelsFile
    ? fs
        .readFileSync(labelsFile, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l, i, all) => l.length > 0 || i < all.length - 1)
    : undefined;
  const boxesFile = v.boxes as string | undefined;
  const boxesText = boxesFile ? fs.readFileSync(boxesFile, 'utf8') : undefined;
  const boxes = boxesText !== undefined ? parseBoxes(boxesText, boxesFile!) : undefined;
  const boxLabels = boxesText !== undefined ? labelsFromBoxes(boxesText) : new Map<string, number>();

  const models: CompareModel[] = [];
  for (const [i, p] of modelPaths.entries()) {
    const model = await loadModel(p);
    const settings = resolveModelSettings(model.path);
    models.push({ model, preprocess: resolvePreprocess(model, settings).spec, labels: settings.labels ?? extraLabels, layer: layers[i] });
  }
  // One decode per image for every model: fitted to the largest model input.
  const fit = {
    height: Math.max(...models.map((m) => m.model.inputs[0].shape[1] ?? 0)) || null,
    width: Math.max(...models.map((m) => m.model.inputs[0].shape[2] ?? 0)) || null,
  };
  const images: CompareImage[] = [];
  for (const f of listImages(target)) {
    const image = await readImage(f.file, { input: fit });
    images.push({ name: f.name, image, truth: f.truth ?? boxLabels.get(f.name), box: boxes?.get(f.name) });
  }
  const outDir = v.out as string | undefined;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  const result = await compareModels(models, images, {
    method: method as MethodName,
    onImage: (img, results) => {
      if (!outDir) return;
      const stem = img.name.replace(/[\\/]/g, '_').replace(IMAGE_EXT, '');
      results.forEach((r, k) =>
        fs.writeFileSync(
          path.join(outDir, `${stem}.m${k + 1}.overlay.png`),
          encodePng(
            renderExport(img.image, r.image.values, {
              colormap: r.signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP,
              opacity: 0.5,
              signed: r.signed,
              cap: limits().outSize,
            }),
          ),
        ),
      );
    },
  });
  if (outDir) fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  if (v.json) {
    stdout(JSON.stringify(result));
    return 0;
  }
  stdout(`${images.length} image${images.length === 1 ? '' : 's'}, ${method}`);
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
