/**
 * The compare panel's tables, pure (unit-tested): the models' rows sorted by a column, and numbers
 * formatted for what they are — shares (accuracy, agreement, pointing game) as percentages, KL in nats,
 * similarities as plain numbers, a missing number as "—".
 */
import type { CompareResultMessage } from '../../protocol/worker';

export const MODEL_COLUMNS = [
  { key: 'name', title: 'Model', help: 'm1 is the reference: agreement and KL are measured against it' },
  { key: 'accuracy', title: 'Accuracy', help: 'top-1 correct, of the images whose class is known' },
  { key: 'agreement', title: 'Agreement', help: 'top-1 equal to the first model’s' },
  { key: 'kl', title: 'KL(first ‖ it)', help: 'mean KL divergence of the softmax outputs, nats' },
  { key: 'pointing', title: 'Pointing game', help: 'the map’s maximum lies in the object’s box' },
] as const;
export type ModelColumn = (typeof MODEL_COLUMNS)[number]['key'];

/** The map similarities of a model pair (the `pairs` fields of `compare --json`) and their headings. */
export const PAIR_METRICS = { rankCorrelation: 'Rank correlation', iouTop20: 'Top-20 % IoU', cosine: 'Cosine' };
export type PairMetric = keyof typeof PAIR_METRICS;
export const PAIR_METRIC_KEYS = Object.keys(PAIR_METRICS) as PairMetric[];

export interface ModelRow {
  index: number;
  name: string;
  accuracy: number | null;
  agreement: number | null;
  kl: number | null;
  pointing: number | null;
}

export function modelRows(result: CompareResultMessage['result'], names: string[]): ModelRow[] {
  return result.models.map((m, index) => ({
    index,
    name: names[index] ?? m.path,
    accuracy: m.accuracy,
    agreement: m.agreement,
    kl: m.kl,
    pointing: m.pointing,
  }));
}

/** Rows sorted by a column; a missing number sorts last either way; equal values keep model order. */
export function sortRows(rows: ModelRow[], key: ModelColumn, descending: boolean): ModelRow[] {
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === y) return a.index - b.index;
    if (x === null) return 1;
    if (y === null) return -1;
    const order = typeof x === 'string' ? x.localeCompare(y as string) : (x as number) - (y as number);
    return (descending ? -order : order) || a.index - b.index;
  });
}

export function formatCell(key: ModelColumn | PairMetric, v: string | number | null): string {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  if (key === 'accuracy' || key === 'agreement' || key === 'pointing') return `${(100 * v).toFixed(1)} %`;
  if (key === 'kl') return v.toFixed(4);
  return v.toFixed(3);
}
