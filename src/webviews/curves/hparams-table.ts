// The HParams table's rules (no DOM): which hyper-parameters and metrics get a column, how rows sort.

export type HparamCell = string | number | boolean | null | undefined;
/** A column to sort by (-1: the run's name) and the direction. */
export interface SortKey {
  column: number;
  descending: boolean;
}

const MAX_COLUMNS = 200;
const MAX_METRICS = 8;

/**
 * The hyper-parameter columns: every name the runs give, in the order first seen; with several runs,
 * only those whose values differ between runs (a name some run lacks differs) unless `all` — the
 * columns that tell runs apart. `total` counts every name.
 */
export function hparamColumns(runs: Record<string, HparamCell>[], all: boolean): { shown: string[]; total: number } {
  const names = [...new Set(runs.flatMap((h) => Object.keys(h)))];
  if (all || runs.length < 2) return { shown: names.slice(0, MAX_COLUMNS), total: names.length };
  const differs = names.filter((n) => new Set(runs.map((h) => (n in h ? JSON.stringify(h[n]) : '\u0000missing'))).size > 1);
  return { shown: (differs.length ? differs : names).slice(0, MAX_COLUMNS), total: names.length };
}

const METRIC =
  /(^|[/_.-])(loss|acc|accuracy|f1|auc|map|error|err|score|perplexity|ppl|bleu|rouge\w*|iou|miou|top1|top5|hp_metric|precision|recall)$|^losse?s?[/_.]/i;

/** The metric columns: tags that name a loss or a score (`val_loss`, `eval/accuracy`, `hp_metric`, a `loss/` term), first seen first, at most eight. */
export function metricTags(tagsPerRun: string[][]): string[] {
  return [...new Set(tagsPerRun.flat())].filter((t) => METRIC.test(t)).slice(0, MAX_METRICS);
}

function compare(a: HparamCell | string, b: HparamCell | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Rows sorted by a column (numbers as numbers, text naturally); empty cells last either way. Stable. */
export function sortRows<R extends { name: string; cells: HparamCell[] }>(rows: R[], sort: SortKey | undefined): R[] {
  if (!sort) return rows;
  const value = (r: R): HparamCell | string => (sort.column < 0 ? r.name : r.cells[sort.column]);
  return rows
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      const a = value(x.r);
      const b = value(y.r);
      const ea = a === undefined;
      const eb = b === undefined;
      if (ea || eb) return ea === eb ? x.i - y.i : ea ? 1 : -1;
      const c = compare(a, b);
      return (sort.descending ? -c : c) || x.i - y.i;
    })
    .map((x) => x.r);
}
