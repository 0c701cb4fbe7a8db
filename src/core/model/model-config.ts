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
 * labels from labels.txt or classes.txt when the JSON has none, then the defaults.
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
    for (const name of ['labels.txt', 'classes.txt']) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) {
        merged.labels = readLabelsFile(file);
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
