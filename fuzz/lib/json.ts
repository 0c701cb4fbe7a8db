import { type Rng } from './rng';

type Json = unknown;
type Path = (string | number)[];

/** Every path to a value of a JSON document (at most `max`), found without recursion. */
export function jsonPaths(doc: Json, max = 5000): Path[] {
  const out: Path[] = [];
  const stack: [Json, Path][] = [[doc, []]];
  while (stack.length && out.length < max) {
    const [v, p] = stack.pop()!;
    out.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, [...p, i]]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) stack.push([x, [...p, k]]);
  }
  return out;
}

function parentOf(doc: Json, p: Path): { parent: Record<string | number, Json>; key: string | number } | undefined {
  if (p.length === 0) return undefined;
  let cur = doc as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  return { parent: cur, key: p[p.length - 1] };
}

/** A value that a reader must refuse or survive, for the value at a path. */
function replacement(old: Json, rng: Rng): Json {
  switch (rng.int(9)) {
    case 0:
      return rng.interestingNumber();
    case 1:
      return typeof old === 'number' ? -old - 1 : 'x';
    case 2:
      return null;
    case 3:
      return Array.isArray(old) ? {} : [];
    case 4:
      return typeof old === 'string' ? 42 : String(old);
    case 5:
      return Array.isArray(old) ? [...old, ...old] : [old];
    case 6:
      // Nesting too deep for JSON.stringify: a marker that jsonText writes out as brackets.
      return `__deep_${rng.pick([50, 300, 10_000])}__`;
    case 7:
      return typeof old === 'number' ? old * rng.pick([1e6, 1e12, -1]) : rng.pick(['', 'NaN', '../../etc/passwd', '/dev/zero', '\u0000\u0007', 'float64']);
    default:
      return Array.isArray(old) && old.length ? old.slice(0, rng.int(old.length)) : true;
  }
}

/** Mutates one value of the document in place: replaced, deleted, or its key renamed. */
export function mutateJson(doc: Json, rng: Rng, filter?: (p: Path) => boolean): Json {
  const paths = jsonPaths(doc).filter((p) => p.length > 0 && (!filter || filter(p)));
  if (paths.length === 0) return doc;
  const p = rng.pick(paths);
  const at = parentOf(doc, p)!;
  const r = rng.int(10);
  if (r === 0 && !Array.isArray(at.parent)) delete at.parent[at.key];
  else if (r === 1 && !Array.isArray(at.parent)) {
    at.parent[`${String(at.key)}_`] = at.parent[at.key];
    delete at.parent[at.key];
  } else at.parent[at.key] = replacement(at.parent[at.key], rng);
  return doc;
}

/** The document as text, with deep-nesting markers written out. */
export function jsonText(doc: Json): string {
  return JSON.stringify(doc).replace(/"__deep_(\d+)__"/g, (_, n: string) => '['.repeat(Number(n)) + '1' + ']'.repeat(Number(n)));
}
