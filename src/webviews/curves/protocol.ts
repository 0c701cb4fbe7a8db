// Messages between the curves panel's host side and its webview. No DOM, no vscode: both import it.
import { exportMessage, isObj } from '../shared/validate';

export const X_AXES = ['step', 'relative', 'wall'] as const;
export type XAxis = (typeof X_AXES)[number];

export interface CurvesSettings {
  /** EMA weight in [0, 0.99]. */
  smoothing: number;
  xAxis: XAxis;
  logScale: boolean;
  /** A metric and its validation twin (`loss`/`val_loss`, `train/x`/`validation/x`) share a chart. */
  pair: boolean;
  /** The y axis spans the 5th–95th percentile of the values drawn (TensorBoard's "ignore outliers"). */
  ignoreOutliers: boolean;
  /** Series hidden by the user: `<run path>\n<tag>`. */
  hidden: string[];
  /** Runs hidden from every chart by the run legend (paths). */
  hiddenRuns: string[];
}

export interface CurvesPanelState {
  /** The runs shown (paths). */
  runs: string[];
  /** The tag to scroll to and highlight. */
  focus?: string;
  /** This panel's tag filter (a regular expression); not carried to another panel. */
  filter?: string;
  settings: CurvesSettings;
}

export interface RunMeta {
  path: string;
  name: string;
  format: string;
  corrupt: number;
  /** Records left unread at the end of the run's files (cut short, or still being written). */
  incomplete: number;
  deleted: boolean;
  /** The run's hyper-parameters, where its writer records them (hparams.yaml, MLflow params, TensorBoard hparams, Trainer args). */
  hparams?: Record<string, string | number | boolean | null>;
}

/** A tag's points: non-finite values and missing wall times as null (drawn as gaps). */
export interface SeriesData {
  steps: number[];
  walls: (number | null)[];
  values: (number | null)[];
  /** The steps count epochs: drawn on an epoch axis, never beside per-step series. */
  epoch?: boolean;
}

export type ToCurvesWebview =
  /**
   * `view`: the panel's tag filter and hidden runs as the host keeps them — sent with the runs when the
   * panel opens or its page (re)loads, so that a page restored from an older state, or a panel opened
   * anew for other runs (filter and hidden runs cleared), shows what the host says.
   */
  | { type: 'runs'; runs: RunMeta[]; view?: { filter: string; hiddenRuns: string[] } }
  | { type: 'data'; run: string; reset: boolean; tags: Record<string, SeriesData> }
  | { type: 'focus'; tag: string }
  | { type: 'error'; message: string };

export type FromCurvesWebview =
  { type: 'ready' } | { type: 'state'; state: CurvesPanelState } | { type: 'exportPng'; dataUrl: string } | { type: 'exportCsv' } | { type: 'addRuns' };

export function defaultCurvesSettings(): CurvesSettings {
  return { smoothing: 0.6, xAxis: 'step', logScale: false, pair: true, ignoreOutliers: false, hidden: [], hiddenRuns: [] };
}

const strings = (v: unknown, max: number): v is string[] => Array.isArray(v) && v.length <= max && v.every((s) => typeof s === 'string' && s.length < 4096);

export function parseCurvesSettings(v: unknown): CurvesSettings | undefined {
  if (!isObj(v)) return undefined;
  // pair, ignoreOutliers and hiddenRuns are newer than the rest: a state saved without them gets the defaults.
  const { smoothing, xAxis, logScale, pair = true, ignoreOutliers = false, hidden, hiddenRuns = [] } = v;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 0.99)) return undefined;
  if (typeof xAxis !== 'string' || !(X_AXES as readonly string[]).includes(xAxis)) return undefined;
  if (typeof logScale !== 'boolean' || typeof pair !== 'boolean' || typeof ignoreOutliers !== 'boolean') return undefined;
  if (!strings(hidden, 10000) || !strings(hiddenRuns, 1000)) return undefined;
  return { smoothing, xAxis: xAxis as XAxis, logScale, pair, ignoreOutliers, hidden, hiddenRuns };
}

/** Checks a message from the webview; undefined for anything malformed. */
export function parseFromCurvesWebview(raw: unknown): FromCurvesWebview | undefined {
  if (!isObj(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'exportCsv':
    case 'addRuns':
      return { type: raw.type };
    case 'state': {
      const s = raw.state;
      if (!isObj(s) || !strings(s.runs, 1000) || (s.focus !== undefined && typeof s.focus !== 'string')) return undefined;
      if (s.filter !== undefined && !(typeof s.filter === 'string' && s.filter.length <= 500)) return undefined;
      const settings = parseCurvesSettings(s.settings);
      return settings
        ? {
            type: 'state',
            state: {
              runs: s.runs,
              ...(s.focus !== undefined ? { focus: s.focus as string } : {}),
              ...(s.filter ? { filter: s.filter as string } : {}),
              settings,
            },
          }
        : undefined;
    }
    case 'exportPng': {
      const m = exportMessage(raw);
      return m?.type === 'exportPng' ? m : undefined;
    }
    default:
      return undefined;
  }
}

/** The group of a tag: the part before its first '/', or the tag itself. */
export const groupOf = (tag: string): string => (tag.includes('/') ? tag.slice(0, tag.indexOf('/')) : tag);

const TOTAL = /^(total|loss|total_loss|loss_total|overall)$/i;

/**
 * The distillation view: a group stacks its loss terms under the total when one tag of it is a
 * total (`loss/total`, `loss`, `total_loss`, …) and at least two others are its terms. With `valueAt`
 * (a tag's steps and its value at a step), the terms must be what the total adds up: the largest set
 * of at least two of them whose values at the total's last finite step sum to it (0.1 % or 1e-6) — a learning rate or a
 * gradient norm beside a loss is no term of it.
 */
export function stackable(
  tags: string[],
  valueAt?: { steps(tag: string): ArrayLike<number>; value(tag: string, step: number): number | undefined },
): { total: string; terms: string[] } | undefined {
  const leaf = (t: string): string => t.slice(t.lastIndexOf('/') + 1);
  const total = tags.find((t) => TOTAL.test(leaf(t)));
  if (!total) return undefined;
  const candidates = tags.filter((t) => t !== total);
  if (candidates.length < 2) return undefined;
  if (!valueAt) return { total, terms: candidates };
  // The total's last step where it and at least two candidates are finite (a NaN logged at the end is skipped).
  const steps = valueAt.steps(total);
  for (let k = steps.length - 1; k >= Math.max(0, steps.length - 50); k--) {
    const step = steps[k];
    const sum = valueAt.value(total, step);
    if (sum === undefined || !Number.isFinite(sum)) continue;
    const v = new Map(candidates.map((t) => [t, valueAt.value(t, step)]));
    const usable = candidates.filter((t) => Number.isFinite(v.get(t) ?? NaN)).slice(0, 12);
    if (usable.length < 2) continue;
    // Largest subsets first (at most 2^12 of them).
    let best: string[] | undefined;
    for (let mask = (1 << usable.length) - 1; mask > 0; mask--) {
      const pick = usable.filter((_, i) => mask & (1 << i));
      if (pick.length < 2 || (best && pick.length <= best.length)) continue;
      const got = pick.reduce((a, t) => a + v.get(t)!, 0);
      if (Math.abs(got - sum) <= Math.max(1e-6, 1e-3 * Math.abs(sum))) best = pick;
    }
    return best ? { total, terms: best } : undefined;
  }
  return undefined;
}
