/**
 * The one parser of `--boxes FILE` (every command that takes object boxes): the demo's
 * `demo/images/boxes.json` layout — an array of `{"file", "box": {"x", "y", "width", "height"}, …}`, `file`
 * relative to the images folder — or a plain object `{"<file>": [x0, y0, x1, y1]}` in image pixels.
 * Boxes are keyed by file name relative to the images folder ("a.png", "cats/b.png").
 */
import { InputError } from '../errors';
import type { Box } from './pointing-game';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function parseBoxes(text: string, file: string): Map<string, Box> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: malformed JSON (${(err as Error).message})`);
  }
  const out = new Map<string, Box>();
  const bad = (what: string) =>
    new InputError(`${file}: ${what}; expected [{"file", "box": {"x", "y", "width", "height"}}, …] or {"<file>": [x0, y0, x1, y1]}`);
  if (Array.isArray(json)) {
    json.forEach((e, i) => {
      const entry = e as { file?: unknown; box?: { x?: unknown; y?: unknown; width?: unknown; height?: unknown } };
      if (!entry || typeof entry.file !== 'string' || !entry.box) throw bad(`entry ${i} has no "file" and "box"`);
      const { x, y, width, height } = entry.box;
      if (!isNum(x) || !isNum(y) || !isNum(width) || !isNum(height) || width <= 0 || height <= 0)
        throw bad(`the box of "${entry.file}" needs numbers x, y and a positive width and height`);
      out.set(entry.file, { x, y, width, height });
    });
    return out;
  }
  if (json === null || typeof json !== 'object') throw bad('not a list or an object');
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.length !== 4 || !v.every(isNum)) throw bad(`the box of "${name}" is not [x0, y0, x1, y1]`);
    const [x0, y0, x1, y1] = v as number[];
    if (x1 <= x0 || y1 <= y0) throw bad(`the box of "${name}" has x1 ≤ x0 or y1 ≤ y0`);
    out.set(name, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  }
  return out;
}
