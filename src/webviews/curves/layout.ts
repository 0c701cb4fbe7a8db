// Which charts the curves panel draws, as TensorBoard lays them out (no DOM, no Chart.js): one chart
// per tag with every run overlaid, in sections named by the tag's prefix, both sorted by name; a training metric and its
// validation twin (`loss` / `val_loss`, `train/x` / `validation/x`) on one chart; per-epoch series
// never on the axis of per-step ones; a section holding a total and its terms opened by a stacked chart.
import { groupOf } from './protocol';

/** A tag as some run logs it: per step, or per epoch. */
export interface TagKind {
  tag: string;
  epoch: boolean;
}

export interface ChartSpec {
  /** Unique, usable as an element id. */
  id: string;
  section: string;
  /** The heading: the tag, or the pair's tags. */
  title: string;
  tags: string[];
  /** The x axis counts epochs. */
  epoch: boolean;
  /** The distillation view: the section's total with its terms stacked under it. */
  stack?: { total: string; terms: string[] };
}

export interface SectionSpec {
  name: string;
  charts: ChartSpec[];
}

const TRAIN_MARKS = ['train', 'training'];
const EVAL_MARKS = ['validation', 'valid', 'val', 'eval', 'test'];
const UNDERSCORED = /^(train|training|validation|valid|val|eval|test)_(.+)$/i;

/**
 * What a tag measures and on which side: `train/epoch_loss`, `training_loss`, `loss` → (…loss, train);
 * `validation/epoch_loss`, `eval/loss`, `val_loss` → (…loss, evaluation). Tags with the same key are
 * drawn together when both sides log it.
 */
export function pairKey(tag: string): { key: string; evaluation: boolean } {
  const slash = tag.indexOf('/');
  if (slash > 0) {
    const head = tag.slice(0, slash).toLowerCase();
    if (TRAIN_MARKS.includes(head)) return { key: tag.slice(slash + 1), evaluation: false };
    if (EVAL_MARKS.includes(head)) return { key: tag.slice(slash + 1), evaluation: true };
    return { key: tag, evaluation: false };
  }
  const m = UNDERSCORED.exec(tag);
  if (m) return { key: m[2], evaluation: EVAL_MARKS.includes(m[1].toLowerCase()) };
  return { key: tag, evaluation: false };
}

const idOf = (s: string): string => s.replace(/[^\w-]/g, '_');

/**
 * The sections and charts for the tags the shown runs log, sorted by name. `pair` draws a
 * metric and its validation twin together; `stackOf` says whether a section's per-step tags hold a
 * total and at least two of its terms (for some run), which adds a stacked chart at the section's top.
 */
export function layoutCharts(tags: TagKind[], pair: boolean, stackOf: (tags: string[]) => { total: string; terms: string[] } | undefined): SectionSpec[] {
  const seen = new Set<string>();
  const unique = tags.filter((t) => {
    const k = `${t.tag}\n${t.epoch}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  // A tag logged per step by one run and per epoch by another gets a chart for each.
  const bothKinds = new Set(unique.filter((t) => t.epoch && unique.some((u) => !u.epoch && u.tag === t.tag)).map((t) => t.tag));
  const groups: TagKind[][] = [];
  if (pair) {
    const byKey = new Map<string, TagKind[]>();
    for (const t of unique) {
      const k = `${pairKey(t.tag).key}\n${t.epoch}`;
      const list = byKey.get(k);
      if (list) list.push(t);
      else byKey.set(k, [t]);
    }
    for (const list of byKey.values()) {
      const sides = new Set(list.map((t) => pairKey(t.tag).evaluation));
      if (sides.size === 2) groups.push([...list].sort((a, b) => Number(pairKey(a.tag).evaluation) - Number(pairKey(b.tag).evaluation)));
      else for (const t of list) groups.push([t]);
    }
    // Keep first-seen order: a group sits where its first tag was seen.
    const at = (g: TagKind[]): number => Math.min(...g.map((t) => unique.indexOf(t)));
    groups.sort((a, b) => at(a) - at(b));
  } else for (const t of unique) groups.push([t]);

  const sections = new Map<string, ChartSpec[]>();
  const ids = new Set<string>();
  const uniqueId = (base: string): string => {
    let id = base;
    for (let i = 2; ids.has(id); i++) id = `${base}-${i}`;
    ids.add(id);
    return id;
  };
  for (const g of groups) {
    const names = g.map((t) => t.tag);
    const epoch = g[0].epoch;
    const section = groupOf(names[0]);
    const suffix = names.some((n) => bothKinds.has(n)) ? (epoch ? ' (per epoch)' : ' (per step)') : '';
    const chart: ChartSpec = {
      id: uniqueId(`chart-${idOf(names.join('+'))}${epoch && suffix ? '-epoch' : ''}`),
      section,
      title: names.join(' · ') + suffix,
      tags: names,
      epoch,
    };
    const list = sections.get(section);
    if (list) list.push(chart);
    else sections.set(section, [chart]);
  }
  // As TensorBoard orders them: sections by name, charts by title (numbers in names compared as numbers).
  const byName = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });
  for (const charts of sections.values()) charts.sort((a, b) => byName(a.title, b.title));
  return [...sections]
    .sort(([a], [b]) => byName(a, b))
    .map(([name, charts]) => {
      const perStep = [...new Set(charts.filter((c) => !c.epoch).flatMap((c) => c.tags))].filter((t) => groupOf(t) === name);
      const stack = perStep.length >= 3 ? stackOf(perStep) : undefined;
      if (!stack) return { name, charts };
      const head: ChartSpec = {
        id: uniqueId(`stack-${idOf(name)}`),
        section: name,
        title: `${stack.total} = ${stack.terms.join(' + ')}`,
        tags: [stack.total, ...stack.terms],
        epoch: false,
        stack,
      };
      return { name, charts: [head, ...charts] };
    });
}

/**
 * The y range TensorBoard's "Ignore outliers in chart scaling" gives: from the 5th to the 95th
 * percentile of the values drawn (linear interpolation between order statistics), widened by a fifth
 * of that span on each side; undefined when nothing finite is drawn.
 */
export function robustRange(values: Iterable<number>): { min: number; max: number } | undefined {
  const sorted = Float64Array.from([...values].filter(Number.isFinite)).sort();
  if (sorted.length === 0) return undefined;
  const q = (p: number): number => {
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
  };
  const a = q(0.05);
  const b = q(0.95);
  const pad = b > a ? (b - a) * 0.2 : Math.abs(a) * 0.1 + 0.1;
  return { min: a - pad, max: b + pad };
}
