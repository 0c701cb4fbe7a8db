// `model-lens knowledge <model> <images> --boxes FILE`: knowledge points per image (core/distill/knowledge.ts),
// and over a run's checkpoints the learning speed D and stability ρ (core/distill/checkpoints.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { checkpointFiles, learningMetrics } from '../core/distill/checkpoints';
import { GRID, KNOWLEDGE_DEFAULTS, knowledgeOf, type InputBox, type KnowledgeParams, type KnowledgeResult } from '../core/distill/knowledge';
import { inputFit, readImage } from '../core/image/decode';
import { toModelInput, type InputGeometry } from '../core/image/preprocess';
import { parseBoxes } from '../core/metrics/boxes';
import type { Box } from '../core/metrics/pointing-game';
import { defaultCamLayer } from '../core/model/cam-layers';
import { loadModel } from '../core/model/load';
import { resolveModelSettings, resolvePreprocess } from '../core/model/model-config';
import type { InspectableModel } from '../core/model/types';
import { intOption, numberOption, parse } from './args';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

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
} as const;

/** A box in image pixels → the model input's pixels, through where the image sits in the input. */
export function boxToInput(box: Box, g: InputGeometry): InputBox {
  const sx = g.target.width / g.source.width;
  const sy = g.target.height / g.source.height;
  return { x: g.target.x + (box.x - g.source.x) * sx, y: g.target.y + (box.y - g.source.y) * sy, width: box.width * sx, height: box.height * sy };
}

function listImages(target: string): { file: string; name: string }[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new InputError(`${target}: file not found`);
  if (!stat.isDirectory()) return [{ file: target, name: path.basename(target) }];
  const out = fs
    .readdirSync(target)
    .filter((f) => IMAGE_EXT.test(f))
    .sort()
    .map((f) => ({ file: path.join(target, f), name: f }));
  if (out.length === 0) throw new InputError(`${target}: the folder holds no PNG or JPEG images`);
  return out;
}

/** Knowledge points of a model on the images that have a box. */
interface BoxedImage {
  file: string;
  name: string;
  /** In the image file's pixels. */
  box: Box;
  width: number;
  height: number;
}

async function pointsOf(
  model: InspectableModel,
  images: BoxedImage[],
  layer: string,
  params: KnowledgeParams,
): Promise<{ name: string; result: KnowledgeResult }[]> {
  const preprocess = resolvePreprocess(model, resolveModelSettings(model.path)).spec;
  const out: { name: string; result: KnowledgeResult }[] = [];
  for (const img of images) {
    // Decoding may shrink a large photo: the box follows.
    const image = await readImage(img.file, { input: inputFit(model.inputs[0].shape) });
    const sx = image.width / img.width;
    const sy = image.height / img.height;
    const scaledBox: Box = { x: img.box.x * sx, y: img.box.y * sy, width: img.box.width * sx, height: img.box.height * sy };
    const { tensor, geometry } = toModelInput(image, model.inputs[0].shape, preprocess, model.path);
    try {
      out.push({ name: img.name, result: await knowledgeOf(model, tensor, layer, boxToInput(scaledBox, geometry), params) });
    } finally {
      tensor.dispose();
    }
  }
  return out;
}

export async function knowledgeCommand(args: string[], stdout: (s: string) => void): Promise<number> {
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
  const boxes = parseBoxes(fs.readFileSync(boxesFile, 'utf8'), boxesFile);
  const model = await loadModel(modelPath);
  const layer = (v.layer as string | undefined) ?? defaultCamLayer(model);
  if (!model.layers.some((l) => l.name === layer)) throw new InputError(`Layer "${layer}" does not exist in ${model.path}.`);
  // Boxes are in the pixels of the image file: decode once at full size to know it.
  const images: BoxedImage[] = [];
  for (const img of listImages(target)) {
    const box = boxes.get(img.name);
    if (!box) continue;
    const full = await readImage(img.file);
    images.push({ ...img, box, width: full.width, height: full.height });
  }
  if (images.length === 0) throw new InputError(`${boxesFile}: no box for any image of ${target}`);
  const final = await pointsOf(model, images, layer, params);
  const out: Record<string, unknown> = {
    model: model.path,
    layer,
    images: final.map(({ name, result: r }) => ({ image: name, nFg: r.nFg, nBg: r.nBg, lambdaFg: r.lambdaFg, meanEntropyBg: r.meanEntropyBg })),
  };
  const checkpointsArg = v.checkpoints as string | undefined;
  if (checkpointsArg) {
    const files = checkpointFiles(checkpointsArg);
    const perCheckpoint: { path: string; points: { name: string; result: KnowledgeResult }[]; weights: Float32Array }[] = [];
    for (const file of files) {
      const m = await loadModel(file);
      perCheckpoint.push({ path: file, points: await pointsOf(m, images, layer, params), weights: flatWeights(m) });
    }
    const metrics = learningMetrics(perCheckpoint);
    Object.assign(out, {
      checkpoints: perCheckpoint.map((c) => ({ path: c.path, nFg: mean(c.points.map((p) => p.result.nFg)), nBg: mean(c.points.map((p) => p.result.nBg)) })),
      ...metrics,
    });
  }
  const heatmapOut = v['heatmap-out'] as string | undefined;
  if (heatmapOut)
    fs.writeFileSync(
      heatmapOut,
      JSON.stringify({
        images: final.map(({ name, result: r }) => ({ image: name, grid: { width: GRID, height: GRID, values: Array.from(r.entropy) }, points: r.points })),
      }),
    );
  if (v.json) stdout(JSON.stringify(out));
  else {
    stdout(
      `${model.path} at ${layer}: ${final.length} image${final.length === 1 ? '' : 's'}, ${params.steps} steps × ${params.samples} samples, λ ${params.lambda}, b ${params.b}`,
    );
    for (const { name, result: r } of final) stdout(`${name}: N_fg ${r.nFg}, N_bg ${r.nBg}, λ_fg ${r.lambdaFg === null ? '—' : r.lambdaFg.toFixed(3)}`);
    if (checkpointsArg) stdout(`D_mean ${fmt(out.dMean)}, D_std ${fmt(out.dStd)}, ρ ${fmt(out.rho)}`);
  }
  return 0;
}

const mean = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
const fmt = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : '—');

/** Every float weight of a model, concatenated in its order (for weight distances between checkpoints). */
function flatWeights(model: InspectableModel): Float32Array {
  const parts = model.weightTensors().filter(([, t]) => t.dtype === 'float32');
  const out = new Float32Array(parts.reduce((a, [, t]) => a + t.size, 0));
  let o = 0;
  for (const [, t] of parts) {
    out.set(t.dataSync() as Float32Array, o);
    o += t.size;
  }
  return out;
}
