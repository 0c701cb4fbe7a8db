/**
 * Scalar series stored column-wise (a training run can log millions of points): step, wall time
 * (seconds since the epoch, NaN when the format has none) and value (NaN and ±Infinity kept).
 */
export interface Point {
  step: number;
  wall: number;
  value: number;
}

export class Series {
  steps = new Float64Array(16);
  walls = new Float64Array(16);
  values = new Float64Array(16);
  length = 0;
  /** The steps count epochs (a Keras CSVLogger's `epoch` column, a record whose only step is `epoch`). */
  epochs = false;

  push(step: number, wall: number, value: number): void {
    if (this.length === this.steps.length) this.grow();
    const i = this.length++;
    this.steps[i] = step;
    this.walls[i] = wall;
    this.values[i] = value;
  }

  append(other: Series): void {
    for (let i = 0; i < other.length; i++) this.push(other.steps[i], other.walls[i], other.values[i]);
  }

  at(i: number): Point {
    return { step: this.steps[i], wall: this.walls[i], value: this.values[i] };
  }

  /** Points from index `from` on (all by default). */
  points(from = 0): Point[] {
    const out: Point[] = [];
    for (let i = from; i < this.length; i++) out.push(this.at(i));
    return out;
  }

  private grow(): void {
    const n = this.steps.length * 2;
    for (const k of ['steps', 'walls', 'values'] as const) {
      const a = new Float64Array(n);
      a.set(this[k]);
      this[k] = a;
    }
  }
}

/**
 * A series whose x is an epoch rather than a step: its parser said so (the step column is `epoch`), or
 * its tag is one Keras's TensorBoard callback writes once per epoch (`epoch_loss`, `train/epoch_acc`).
 * Such series never share an x axis with per-step ones.
 */
export const isEpochSeries = (tag: string, s: { epochs: boolean }): boolean => s.epochs || /(^|\/)epoch_[^/]+$/.test(tag);

/** Tag → series, in the order tags first appeared. */
export type TagMap = Map<string, Series>;

export function seriesOf(tags: TagMap, tag: string): Series {
  let s = tags.get(tag);
  if (!s) tags.set(tag, (s = new Series()));
  return s;
}

/** Summary of one tag as `model-lens curves --json` prints it. */
export interface TagSummary {
  count: number;
  first: { step: number; value: number | null };
  last: { step: number; value: number | null };
  min: number | null;
  max: number | null;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function summarizeSeries(s: Series): TagSummary {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) {
    const v = s.values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const last = s.length - 1;
  return {
    count: s.length,
    first: { step: s.steps[0], value: finiteOrNull(s.values[0]) },
    last: { step: s.steps[last], value: finiteOrNull(s.values[last]) },
    min: min === Infinity ? null : min,
    max: max === -Infinity ? null : max,
  };
}
