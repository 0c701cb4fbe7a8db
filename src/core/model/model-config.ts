import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { DEFAULT_PREPROCESS, validatePreprocess, type PreprocessSpec } from '../image/preprocess';
import { PREPROCESS_KEYS, PREPROCESS_PRESETS, RAW_SCALE, type PreprocessKey } from '../image/specs';

/** What `modellens.json` (beside the model) may say, for every model in the folder or per model file. */
export interface ModelSettings {
  preprocess?: Partial<PreprocessSpec>;
  labels?: string[];
  /** Which output is the target: a name or an index. */
  output?: string | number;
}

export interface ModelLensJson extends ModelSettings {
  /** Per model file (file name relative to the folder), overriding the folder-wide keys. */
  models?: Record<string, ModelSettings>;
}

export interface ResolvedModelSettings {
  /** modellens.json's preprocessing over the defaults (without the model's own scaling: resolvePreprocess adds it). */
  preprocess: PreprocessSpec;
  /** What modellens.json itself says about preprocessing (empty when nothing). */
  preprocessJson: Partial<PreprocessSpec>;
  labels?: string[];
  output?: string | number;
  /** Where each setting came from, for the summary and --json. */
  sources: { preprocess: string; labels?: string };
}

function readLabelsFile(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l, i, all) => l.length > 0 || i < all.length - 1);
}

/** The label files read beside a model when modellens.json gives no labels, in this order. */
export const LABEL_FILES = ['labels.txt', 'classes.txt', 'classes.json', 'class_names.json'];

/**
 * Labels from a JSON file: a list (`["tench", …]`), or an object from class index to a label
 * (`{"0": "tench"}`) or to a list whose last string is the label (`{"0": ["n01440764", "tench"]}`, the
 * ImageNet class index); indices missing from an object stay unlabelled.
 */
export function parseLabelsJson(text: string, file: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: malformed JSON (${(err as Error).message})`);
  }
  const bad = () =>
    new InputError(`${file}: must be a list of labels or an object from class index to label, such as {"0": "cat"} or {"0": ["n02123045", "cat"]}`);
  if (Array.isArray(v)) {
    if (v.some((l) => typeof l !== 'string')) throw bad();
    return v as string[];
  }
  if (v === null || typeof v !== 'object') throw bad();
  const out: string[] = [];
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (!/^\d+$/.test(k) || Number(k) > 1e6) throw bad();
    const label = typeof val === 'string' ? val : Array.isArray(val) ? [...val].reverse().find((x) => typeof x === 'string') : undefined;
    if (typeof label !== 'string') throw bad();
    out[Number(k)] = label;
  }
  return Array.from(out, (l) => l ?? '');
}

function checkSettings(s: unknown, where: string): ModelSettings {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new InputError(`${where}: must be a JSON object`);
  const o = s as Record<string, unknown>;
  if (o.labels !== undefined && (!Array.isArray(o.labels) || o.labels.some((l) => typeof l !== 'string'))) {
    throw new InputError(`${where}: "labels" must be a list of strings`);
  }
  if (o.output !== undefined && typeof o.output !== 'string' && typeof o.output !== 'number') {
    throw new InputError(`${where}: "output" must be an output name or index`);
  }
  if (o.preprocess !== undefined && (o.preprocess === null || typeof o.preprocess !== 'object')) {
    throw new InputError(`${where}: "preprocess" must be an object`);
  }
  return o as ModelSettings;
}

/**
 * Settings for a model file: modellens.json beside it (folder-wide keys, then `models[<file>]`),
 * labels from the first of LABEL_FILES beside it when the JSON has none, then the defaults.
 */
export function resolveModelSettings(modelFile: string): ResolvedModelSettings {
  const dir = path.dirname(modelFile);
  const cfgPath = path.join(dir, 'modellens.json');
  let merged: ModelSettings = {};
  let preprocessSource = 'default';
  if (fs.existsSync(cfgPath)) {
    let json: ModelLensJson;
    try {
      json = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
    } catch (err) {
      throw new InputError(`${cfgPath}: malformed JSON (${(err as Error).message})`);
    }
    const top = checkSettings(json, cfgPath);
    const own = json.models?.[path.basename(modelFile)];
    const per = own ? checkSettings(own, `${cfgPath} (models.${path.basename(modelFile)})`) : {};
    merged = { ...top, ...per, preprocess: { ...top.preprocess, ...per.preprocess } };
    if (top.preprocess || per.preprocess) preprocessSource = cfgPath;
  }
  let labelsSource: string | undefined = merged.labels ? cfgPath : undefined;
  if (!merged.labels) {
    for (const name of LABEL_FILES) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) {
        merged.labels = name.endsWith('.json') ? parseLabelsJson(fs.readFileSync(file, 'utf8'), file) : readLabelsFile(file);
        labelsSource = file;
        break;
      }
    }
  }
  return {
    preprocess: validatePreprocess(merged.preprocess ?? {}, preprocessSource),
    preprocessJson: merged.preprocess ?? {},
    labels: merged.labels,
    output: merged.output,
    sources: { preprocess: preprocessSource, labels: labelsSource },
  };
}

/** Preprocessing settings some source gives: the flags, the panel, a preset, modellens.json. */
export interface PreprocessLayer {
  /** `flag`, `panel`, `preset <name>`, or the modellens.json path. */
  source: string;
  values: Partial<PreprocessSpec>;
}

export interface ResolvedPreprocess {
  spec: PreprocessSpec;
  /** Where each setting came from: a layer's source, `model` (the model rescales its own input), or `default`. */
  sources: Record<PreprocessKey, string>;
  /** Why the model takes 0..255 (InspectableModel.selfScaling), when that set the scale. */
  modelScaling?: string;
}

/** The note that says why the scale is 0..255 when the model rescales its own input. */
export const modelScalingNote = (why: string): string => `Pixels are fed as 0..255: the model rescales its own input (${why}).`;

/** A preset as a layer: it decides scale, channel order, resize, mean and std (none where it has none). */
export function presetLayer(name: string): PreprocessLayer {
  const preset = PREPROCESS_PRESETS[name];
  if (!preset) throw new InputError(`preprocessing preset must be one of ${Object.keys(PREPROCESS_PRESETS).join(', ')} (got "${name}")`);
  return { source: `preset ${name}`, values: { mean: undefined, std: undefined, ...preset } };
}

/**
 * The preprocessing of a model, each setting from the first source that gives it: `over` (highest first:
 * the flags or the panel, then a preset), modellens.json, the model itself — 0..255 when it rescales its
 * own input (a Rescaling by ≤ 1/100, a Normalization with a mean above 2, a first Div by ≥ 100 or Mul by
 * ≤ 1/100), with no mean or std — and the defaults.
 */
export function resolvePreprocess(
  model: { selfScaling?: string },
  settings: Pick<ResolvedModelSettings, 'preprocessJson' | 'sources'>,
  over: PreprocessLayer[] = [],
): ResolvedPreprocess {
  const layers: PreprocessLayer[] = [...over];
  if (Object.keys(settings.preprocessJson).length) layers.push({ source: settings.sources.preprocess, values: settings.preprocessJson });
  if (model.selfScaling) layers.push({ source: 'model', values: { scale: RAW_SCALE, mean: undefined, std: undefined } });
  layers.push({ source: 'default', values: DEFAULT_PREPROCESS });
  const picked: Partial<PreprocessSpec> = {};
  const sources = {} as Record<PreprocessKey, string>;
  for (const key of PREPROCESS_KEYS) {
    const layer = layers.find((l) => key in l.values);
    sources[key] = layer?.source ?? 'default';
    if (layer && layer.values[key] !== undefined) (picked as Record<string, unknown>)[key] = layer.values[key];
  }
  const where = over.length ? `preprocessing (${[...new Set(over.map((l) => l.source))].join(', ')})` : settings.sources.preprocess;
  const spec = validatePreprocess(picked, where);
  return { spec, sources, ...(sources.scale === 'model' ? { modelScaling: model.selfScaling } : {}) };
}
