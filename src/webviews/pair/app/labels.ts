// Pure helpers of the pair panel (no DOM): which spec a method has, picker entries, and what its numbers mean.
import { isPairMethod, pairMethodSpec } from '../../../core/explain/pair/specs';
import type { PairResultMessage } from '../../../protocol/worker';

export const spec = (method: string) => (isPairMethod(method) ? pairMethodSpec(method) : undefined);
/** A picker's entries from a record of titles. */
export const titled = <T extends string>(titles: Record<T, string>): [string, string][] => Object.entries<string>(titles).map(([k, t]) => [k, t]);

/** What the colour scale means: conditional maps are b − S (hiding the patch lowers the similarity), context-agnostic maps are S itself. */
export function colorbarLabels(result: PairResultMessage): string[] {
  if (!result.signed) return ['low', 'high'];
  return [...(spec(result.method)?.legend ?? [])];
}

/** Pairwise occlusion: how many trials carry the weight; near all of them means the map mostly shows where the erasures fell. */
export function trialsNote(result: PairResultMessage): string {
  const n = Number(result.params.trials);
  const eff = Number(result.params.effectiveTrials);
  if (!spec(result.method)?.trials || !Number.isFinite(n) || !Number.isFinite(eff)) return '';
  return ` · ${eff.toFixed(0)} of ${n} trials effective${eff > 0.9 * n ? ' (nearly uniform weights: the map is mostly where erasures fell; try a lower temperature)' : ''}`;
}
