import type { FamilyName } from './family';
import type { Outcome } from './pool';

export const CLASSES = ['ok', 'clean', 'cryptic', 'internal', 'trap', 'crash', 'hang', 'memory', 'leak', 'bad-json'] as const;
export type CaseClass = (typeof CLASSES)[number];
/** Classes that count as failures of Model Lens. */
export const FAILURES: ReadonlySet<CaseClass> = new Set(['cryptic', 'internal', 'trap', 'crash', 'hang', 'memory', 'leak', 'bad-json']);

/** Words of a library's message, or of a JavaScript error, that a user should never read. */
const LEAKS =
  /Cannot read propert|of undefined|of null|is not a function|is not iterable|TypeError|RangeError|ReferenceError|ERR_[A-Z_]+|waitng|This may be due to|Maximum call stack|Unexpected token|Unexpected end of|" is not valid JSON|index out of range|invalid wire type|\[object Object\]|NaN×|undefined|out of bounds|at position \d+ \(|Error:/;

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/**
 * Sorts an outcome: leak (tensors left in the engine after the case's models were dropped), ok (exit 0; `curves --json` must also print the documented JSON), clean (exit 2,
 * one line of ours naming a file of the case), cryptic (exit 2 otherwise), trap (exit 1, the engine
 * restarted), internal (exit 1 otherwise), and the child's death, hang or memory overrun.
 */
export function classify(family: FamilyName, o: Outcome, caseDir: string, argv: string[]): CaseClass {
  if (o.kind !== 'done') return o.kind;
  if (o.leaked > 0) return 'leak';
  // Lines a library printed itself come before (or instead of) our one line: not a clean refusal.
  if (o.noise.trim() !== '') return 'cryptic';
  if (o.code === 0) return family === 'tensorboard' || family === 'csv' || family === 'jsonl' ? (curvesJsonOk(o.stdout) ? 'ok' : 'bad-json') : 'ok';
  const lines = o.stderr.split('\n');
  if (o.code === 1) return /the computation failed inside WebAssembly/.test(o.stderr) ? 'trap' : 'internal';
  if (o.code !== 2) return 'internal';
  const line = lines[0];
  const named = line.includes(caseDir) || argv.some((a) => a.length > 3 && line.includes(a));
  // Values quoted from the file may hold anything: leaks are looked for outside quotes.
  const ours = line.replace(/"[^"]*"/g, '""');
  if (lines.length !== 1 || !line.startsWith('model-lens: ') || !named || LEAKS.test(ours) || CONTROL.test(line) || line.length > 400) return 'cryptic';
  return 'clean';
}

/** `model-lens curves --json`'s documented shape, checked field by field. */
export function curvesJsonOk(stdout: string): boolean {
  let j: unknown;
  try {
    j = JSON.parse(stdout);
  } catch {
    return false;
  }
  const runs = (j as { runs?: unknown }).runs;
  if (!Array.isArray(runs)) return false;
  const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  const numOrNull = (v: unknown): boolean => v === null || num(v);
  const point = (p: unknown): boolean => !!p && typeof p === 'object' && num((p as { step: unknown }).step) && numOrNull((p as { value: unknown }).value);
  return runs.every((r) => {
    if (!r || typeof r !== 'object') return false;
    const x = r as Record<string, unknown>;
    if (typeof x.path !== 'string' || typeof x.name !== 'string' || !Array.isArray(x.files)) return false;
    const file = (f: unknown): boolean => {
      const y = f as Record<string, unknown>;
      return !!y && typeof y.path === 'string' && typeof y.format === 'string' && num(y.corrupt) && num(y.incomplete) && num(y.trailingBytes);
    };
    if (!x.files.every(file)) return false;
    if (!num(x.corrupt) || !num(x.incomplete) || !num(x.trailingBytes)) return false;
    if (!x.tags || typeof x.tags !== 'object') return false;
    return Object.values(x.tags as Record<string, unknown>).every((t) => {
      const s = t as Record<string, unknown>;
      return num(s.count) && point(s.first) && point(s.last) && numOrNull(s.min) && numOrNull(s.max);
    });
  });
}
