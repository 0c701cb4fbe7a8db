/** Writing `modellens.json` (TensorFlow.js-free: the extension host saves the panel's settings with it). */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { PreprocessSpec } from '../image/specs';

/**
 * Saves preprocessing for one model file in the `modellens.json` beside it, under `models[<file name>]`
 * (so the folder's other models keep theirs), keeping every other key. A file that is not a JSON object
 * is left as it is, with an error naming it. Returns the file's path.
 */
export async function savePreprocessTo(modelFile: string, preprocess: PreprocessSpec): Promise<string> {
  const file = path.join(path.dirname(modelFile), 'modellens.json');
  let json: Record<string, unknown> = {};
  const text = await fsp.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (text !== undefined) {
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InputError(`${file}: malformed JSON (${(err as Error).message}), so it was not changed`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError(`${file}: must be a JSON object, so it was not changed`);
  }
  const models = (json.models && typeof json.models === 'object' && !Array.isArray(json.models) ? json.models : {}) as Record<string, Record<string, unknown>>;
  const name = path.basename(modelFile);
  models[name] = { ...(models[name] ?? {}), preprocess: { ...preprocess } };
  json.models = models;
  await fsp.writeFile(file, JSON.stringify(json, null, 2) + '\n');
  return file;
}
