/**
 * The images of a file or a folder, as the folder commands (compare, knowledge) and panels read them:
 * the PNG and JPEG files of the folder and of its class sub-folders (one level, the ImageFolder layout),
 * sorted by name, each with the name it is reported by (relative to the folder) and the class its
 * sub-folder names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';

export const IMAGE_FILE = /\.(png|jpe?g)$/i;

export interface ListedImage {
  /** The path to read. */
  file: string;
  /** Relative to the folder, with '/' (the key of a boxes file); the file name for a single image. */
  name: string;
  /** The sub-folder's name: a class. */
  truth?: string;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The images of a file or folder; `recursive`: every image below the folder (SpRAy), not only one level. */
export function listImages(target: string, opts: { recursive?: boolean } = {}): ListedImage[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new InputError(`${target}: file not found`);
  if (!stat.isDirectory()) return [{ file: target, name: path.basename(target) }];
  if (opts.recursive) {
    const all = walk(target, '');
    if (all.length === 0) throw new InputError(`${target}: the folder holds no PNG or JPEG images`);
    return all;
  }
  const out: ListedImage[] = [];
  for (const e of fs.readdirSync(target, { withFileTypes: true }).sort((a, b) => byName(a.name, b.name))) {
    if (e.isFile() && IMAGE_FILE.test(e.name)) out.push({ file: path.join(target, e.name), name: e.name });
    else if (e.isDirectory() && !e.name.startsWith('.'))
      for (const f of fs
        .readdirSync(path.join(target, e.name))
        .filter((f) => IMAGE_FILE.test(f))
        .sort(byName))
        out.push({ file: path.join(target, e.name, f), name: `${e.name}/${f}`, truth: e.name });
  }
  if (out.length === 0) throw new InputError(`${target}: the folder holds no PNG or JPEG images`);
  return out;
}

/** Every image below `dir` (hidden folders left out), sorted by relative path; the first folder names the class. */
function walk(root: string, rel: string): ListedImage[] {
  const out: ListedImage[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => byName(a.name, b.name))) {
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (e.isFile() && IMAGE_FILE.test(e.name)) out.push({ file: path.join(root, name), name, ...(rel ? { truth: rel.split('/')[0] } : {}) });
    else if (e.isDirectory() && !e.name.startsWith('.')) out.push(...walk(root, name));
  }
  return out;
}
