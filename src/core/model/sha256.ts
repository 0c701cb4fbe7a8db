import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

const cache = new Map<string, { mtimeMs: number; size: number; hash: string }>();

/** SHA-256 of a file, hex; remembered while the file's mtime and size stay the same. */
export function sha256File(file: string): string {
  const st = fs.statSync(file);
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.hash;
  const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}
