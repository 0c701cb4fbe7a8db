/** One case of the regression corpus (test/fixtures/fuzz/<kind>/<name>/case.json). */
export interface CaseFile {
  why: string;
  /** Arguments of model-lens; {case} is the case's folder, {repo} the repository. */
  argv: string[];
  code: number;
  /** stderr, exactly (placeholders as in argv). */
  stderr: string;
  /** Values the --json output must hold (a subset, compared field by field). */
  stdoutJson?: unknown;
  /** Files to make before the case runs: "fifo NAME" or "symlink TARGET NAME". */
  setup?: string[];
}

/** Where `actual` differs from the fields of `want` (arrays element by element), or undefined. */
export function subsetDifference(actual: unknown, want: unknown, at = '$'): string | undefined {
  if (want === null || typeof want !== 'object') return Object.is(actual, want) ? undefined : `${at}: ${JSON.stringify(actual)} is not ${JSON.stringify(want)}`;
  if (actual === null || typeof actual !== 'object') return `${at}: missing`;
  for (const [k, v] of Object.entries(want)) {
    const d = subsetDifference((actual as Record<string, unknown>)[k], v, `${at}.${k}`);
    if (d) return d;
  }
  return undefined;
}
