/**
 * The given parameters over the defaults, where "given" means defined: a control left at its
 * default sends `samples: undefined`, which must not replace the default (a pairwise job with
 * `samples: undefined` would otherwise run no trials at all).
 */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
