import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { validatePreprocess, type PreprocessSpec } from '../image/preprocess';

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
  preprocess: PreprocessSpec;
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
    labels: merged.labels,
    output: merged.output,
    sources: { preprocess: preprocessSource, labels: labelsSource },
  };
}
