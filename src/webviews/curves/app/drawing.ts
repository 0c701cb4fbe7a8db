// The curves panel's charts: sections by tag prefix, a chart per tag (or train/validation pair) with the runs overlaid (colour per run, dash per tag), smoothing, axes, live appends.
import { Chart, Filler, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip, type ChartDataset, type Plugin } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { Ema, formatValue } from '../../../core/logs/smooth';
import { layoutCharts, robustRange, type ChartSpec, type SectionSpec, type TagKind } from '../layout';
import type { SeriesData } from '../protocol';
import { $, el } from '../../shared/app/ui';
import { renderHparams } from './hparams';
import { drawnTags, legend, seriesName, stackOf, styleOf, tagsOn } from './legend';
import { alpha, tickLabel, xOf, yTickLabels } from './look';
import { app, charts, data, key, post, runName, visibleRuns } from './state';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Filler, zoomPlugin);

export const css = (v: string, fallback: string): string => getComputedStyle(document.body).getPropertyValue(v).trim() || fallback;

export function runStart(run: string): number {
  let t0 = Infinity;
  for (const s of data.get(run)?.values() ?? []) for (const w of s.walls) if (Number.isFinite(w) && w < t0) t0 = w;
  return t0;
}

interface Meta {
  run: string;
  tag: string;
  raw?: boolean;
  ema?: Ema;
}

/** The datasets of one chart: per run and tag a smoothed line over a faint raw one; a stacked chart's terms filled under its total. */
export function datasets(spec: ChartSpec): ChartDataset<'line'>[] {
  const out: ChartDataset<'line'>[] = [];
  const { smoothing, xAxis } = app.state.settings;
  for (const run of visibleRuns()) {
    const store = data.get(run);
    if (!store) continue;
    const stack = spec.stack ? stackOf(run, tagsOn(spec, run)) : undefined;
    if (spec.stack && !stack) continue; // this run logs no such total and terms
    const runTags = drawnTags(spec, run);
    const t0 = runStart(run);
    for (const tag of runTags) {
      const s = store.get(tag)!;
      const { stroke, dash } = styleOf(spec, run, tag);
      const hidden = app.state.settings.hidden.includes(key(run, tag));
      const label = seriesName(run, tag);
      const ema = new Ema(smoothing);
      const points = s.values.map((v, i) => ({ x: xOf(xAxis, s, i, t0), y: ema.next(v) })).filter((p) => Number.isFinite(p.x));
      const base = {
        label,
        hidden,
        borderColor: stroke,
        borderDash: dash,
        borderWidth: 1.6,
        // A series of one point has no line to draw: a marker shows it.
        pointRadius: s.values.length === 1 ? 3 : 0,
        pointBackgroundColor: stroke,
        pointHitRadius: 4,
        spanGaps: false,
        parsing: false as const,
        normalized: true,
        tension: 0,
      };
      if (stack && tag !== stack.total) {
        const first = stack.terms.indexOf(tag) === 0;
        out.push({ ...base, data: points, fill: first ? 'origin' : '-1', backgroundColor: alpha(stroke, 0.35), stack: run, meta: { run, tag, ema } } as never);
        continue;
      }
      if (smoothing > 0 && !stack) {
        out.push({
          ...base,
          label: `${label} (raw)`,
          data: s.values.map((v, i) => ({ x: xOf(xAxis, s, i, t0), y: v })).filter((p) => Number.isFinite(p.x)),
          borderColor: alpha(stroke, 0.28),
          borderWidth: 1,
          stack: `raw:${run}:${tag}`,
          meta: { run, tag, raw: true },
        } as never);
      }
      out.push({ ...base, data: points, fill: false, stack: `line:${run}:${tag}`, borderWidth: stack ? 2.2 : 1.6, meta: { run, tag, ema } } as never);
    }
  }
  return out;
}

/** The y axis's bounds when outliers are ignored (TensorBoard's rule, layout.ts); Chart.js's own otherwise. */
function yBounds(spec: ChartSpec, sets: ChartDataset<'line'>[]): { min?: number; max?: number } {
  if (!app.state.settings.ignoreOutliers || spec.stack) return {};
  const range = robustRange(
    (function* () {
      for (const d of sets) if (!d.hidden) for (const p of d.data as { y: number }[]) yield p.y;
    })(),
  );
  if (!range) return {};
  // A log axis cannot start at or below zero: leave its lower end to Chart.js.
  return app.state.settings.logScale && range.min <= 0 ? { max: range.max } : range;
}

export const metaOf = (d: ChartDataset<'line'>): Meta => (d as unknown as { meta: Meta }).meta;

/** Fills the exported PNG's background with the editor's. */
export const background: Plugin<'line'> = {
  id: 'background',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = css('--vscode-editor-background', '#1e1e1e');
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Writes the x axis's title and tick labels on the canvas (`data-x-title`, `data-x-ticks`): what a screen reader and the tests read. */
const axisLabels: Plugin<'line'> = {
  id: 'axisLabels',
  afterUpdate(chart) {
    const x = chart.scales.x;
    chart.canvas.dataset.xTitle = String((x.options as { title?: { text?: unknown } }).title?.text ?? '');
    chart.canvas.dataset.xTicks = JSON.stringify(x.ticks.map((t) => String(t.label)));
  },
};

export function makeChart(canvas: HTMLCanvasElement, spec: ChartSpec): Chart<'line'> {
  const fg = css('--vscode-descriptionForeground', '#999');
  const grid = css('--vscode-panel-border', '#444');
  const axis = app.state.settings.xAxis;
  const stackedView = spec.stack !== undefined;
  const sets = datasets(spec);
  const xTitle = axis === 'wall' ? 'wall time' : axis === 'relative' ? 'time since start' : spec.epoch ? 'epoch' : 'step';
  return new Chart<'line'>(canvas, {
    type: 'line',
    data: { datasets: sets },
    plugins: [background, axisLabels],
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          ticks: { color: fg, maxRotation: 0, ...(axis === 'step' ? { precision: 0 } : {}), callback: (v) => tickLabel(axis, Number(v)) },
          grid: { color: grid },
          title: { display: true, text: xTitle, color: fg },
        },
        y: {
          type: app.state.settings.logScale ? 'logarithmic' : 'linear',
          stacked: stackedView,
          ...yBounds(spec, sets),
          ticks: {
            color: fg,
            callback: (v, i, ticks) =>
              yTickLabels(
                ticks.map((t) => t.value),
                formatValue,
              )[i] ?? formatValue(Number(v)),
          },
          grid: { color: grid },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => !metaOf(item.dataset as ChartDataset<'line'>).raw,
          callbacks: {
            title: (items) => (items[0] ? `${axis === 'step' ? `${spec.epoch ? 'epoch' : 'step'} ` : ''}${tickLabel(axis, items[0].parsed.x ?? 0)}` : ''),
            label: (item) => {
              const m = metaOf(item.dataset as ChartDataset<'line'>);
              const s = data.get(m.run)?.get(m.tag);
              const raw = s?.values[item.dataIndex];
              const y = stackedView ? (raw ?? NaN) : (item.parsed.y ?? NaN);
              return ` ${item.dataset.label}: ${formatValue(y)}${app.state.settings.smoothing > 0 && raw !== undefined && !stackedView ? ` (raw ${formatValue(raw)})` : ''}`;
            },
          },
        },
        zoom: {
          zoom: { wheel: { enabled: true }, pinch: { enabled: true }, drag: { enabled: true, modifierKey: 'shift' }, mode: 'x' },
          pan: { enabled: true, mode: 'xy' },
        },
      },
    },
  });
}

/** The filter as a regular expression (none when empty or invalid). */
function filterRe(): RegExp | undefined {
  try {
    return app.filter ? new RegExp(app.filter, 'i') : undefined;
  } catch {
    return undefined;
  }
}

/** The tags the drawn runs log that the filter lets through, in the order first seen, with their kind of step. */
export function shownTags(): TagKind[] {
  const re = filterRe();
  const out: TagKind[] = [];
  for (const run of visibleRuns()) for (const [tag, s] of data.get(run) ?? []) if (!re || re.test(tag)) out.push({ tag, epoch: s.epoch });
  return out;
}

/** The sections and charts to draw (layout.ts), a section's stacked chart when some run's values add up. */
export function sections(): SectionSpec[] {
  return layoutCharts(shownTags(), app.state.settings.pair, (tags) => {
    for (const run of visibleRuns()) {
      const st = stackOf(
        run,
        tags.filter((t) => data.get(run)?.get(t)?.epoch === false),
      );
      if (st) return st;
    }
    return undefined;
  });
}

/** A note above the charts (why some run is not drawn), or nothing. */
function notes(box: HTMLElement, drawn: Set<string>): boolean {
  // The filter never hides a run silently: name the runs none of whose tags it lets through.
  const runs = visibleRuns();
  const filtered = runs.filter((r) => (data.get(r)?.size ?? 0) > 0 && ![...(data.get(r)?.keys() ?? [])].some((t) => drawn.has(t)));
  if (app.filter && filtered.length)
    box.append(el('p', { class: 'muted', id: 'filtered-runs' }, `The tag filter /${app.filter}/ hides every tag of ${filtered.map(runName).join(', ')}.`));
  const hiddenRuns = app.state.runs.filter((r) => app.state.settings.hiddenRuns.includes(r));
  if (hiddenRuns.length)
    box.append(
      el('p', { class: 'muted', id: 'hidden-runs' }, `Hidden by the run legend: ${hiddenRuns.map(runName).join(', ')} (click a run above to show it).`),
    );
  // Time axes need wall times: say which runs' logs have none (JSON lines or CSV without a timestamp
  // column) rather than drawing them at 1970.
  if (app.state.settings.xAxis === 'step') return true;
  const timeless = runs.filter((r) => ![...(data.get(r)?.values() ?? [])].some((s) => s.walls.some(Number.isFinite)));
  if (timeless.length) {
    const one = timeless.length === 1;
    box.append(
      el(
        'p',
        { class: 'muted', id: 'no-wall-time' },
        `${timeless.map((r) => `${runName(r)} (${app.runs.find((m) => m.path === r)?.format ?? 'its logs'})`).join(', ')}: no wall time in ${one ? 'its logs' : 'their logs'}, so ${one ? 'it is' : 'they are'} not drawn on this axis; choose Step to see ${one ? 'it' : 'them'}.`,
      ),
    );
  }
  return timeless.length < runs.length;
}

/** One chart's card (heading, tools, canvas, series legend), and what makes its chart once the card is in the document. */
function card(spec: ChartSpec): { section: HTMLElement; init: () => void } {
  const canvas = el('canvas', {
    id: spec.id,
    role: 'img',
    'aria-label': `Chart of ${spec.tags.join(', ')}${spec.stack ? ', terms stacked under the total' : ''}`,
  });
  const tools = el('div', { class: 'chart-tools' });
  const zin = el('vscode-button', { secondary: '', title: 'Zoom in (or the mouse wheel; shift-drag to zoom to a box)' }, '+');
  const zout = el('vscode-button', { secondary: '', title: 'Zoom out' }, '−');
  const reset = el('vscode-button', { secondary: '', title: 'Reset zoom and pan (or double-click the chart)' }, 'Reset');
  const png = el('vscode-button', { secondary: '', title: 'Save this chart as PNG' }, 'PNG');
  tools.append(zin, zout, reset, png);
  const title = el('h3', { title: spec.title }, spec.title);
  if (spec.stack) title.prepend(el('span', { class: 'badge' }, 'stacked'), ' ');
  const section = el(
    'section',
    { class: `chart-card${spec.stack ? ' stacked' : ''}`, 'data-chart': spec.id, 'data-tags': spec.tags.join('\n') },
    el('div', { class: 'chart-head' }, title, tools),
    el('div', { class: 'chart-box' }, canvas),
    legend(spec, render),
  );
  const init = (): void => {
    const chart = makeChart(canvas, spec);
    charts.set(spec.id, { chart, spec });
    zin.addEventListener('click', () => chart.zoom(1.25));
    zout.addEventListener('click', () => chart.zoom(0.8));
    reset.addEventListener('click', () => chart.resetZoom());
    canvas.addEventListener('dblclick', () => chart.resetZoom());
    png.addEventListener('click', () => post({ type: 'exportPng', dataUrl: canvas.toDataURL('image/png') }));
  };
  return { section, init };
}

export function render(): void {
  // Re-rendering keeps the reader where they were (a toggle, a new run).
  const scroll = window.scrollY;
  requestAnimationFrame(() => window.scrollTo({ top: scroll }));
  for (const { chart } of charts.values()) chart.destroy();
  charts.clear();
  renderHparams();
  const box = $('charts');
  const layout = sections();
  if (layout.length === 0) {
    box.replaceChildren(
      el(
        'p',
        { class: 'muted' },
        app.filter && visibleRuns().some((r) => (data.get(r)?.size ?? 0) > 0)
          ? `The tag filter /${app.filter}/ matches no tag of the shown runs.`
          : app.runs.length && visibleRuns().length === 0
            ? 'Every run is hidden: click a run above to show it.'
            : app.runs.length
              ? 'No scalars logged yet: the chart appears with the first point.'
              : 'Choose runs with "Choose runs…" or tick them in the Training Runs view.',
      ),
    );
    return;
  }
  box.replaceChildren();
  if (!notes(box, new Set(layout.flatMap((s) => s.charts.flatMap((c) => c.tags))))) return;
  const inits: (() => void)[] = [];
  for (const { name, charts: specs } of layout) {
    const cards = specs.map(card);
    inits.push(...cards.map((c) => c.init));
    box.append(
      el(
        'section',
        { class: 'chart-section', 'data-section': name, 'aria-label': `${name} charts` },
        el('h2', {}, name),
        el('div', { class: 'chart-grid' }, ...cards.map((c) => c.section)),
      ),
    );
  }
  // Charts are made once their canvases are in the document (Chart.js sizes them to their box).
  for (const init of inits) init();
  if (app.state.focus) highlight(app.state.focus, false);
}

export let frame = 0;
export const dirty = new Set<string>();
/** Redraws charts with new points once per animation frame (a stacked chart's datasets are rebuilt). */
export function scheduleUpdate(id: string): void {
  dirty.add(id);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    for (const id of dirty) {
      const c = charts.get(id);
      if (!c) continue;
      if (c.spec.stack) c.chart.data.datasets = datasets(c.spec);
      const y = c.chart.options.scales!.y!;
      Object.assign(y, { min: undefined, max: undefined }, yBounds(c.spec, c.chart.data.datasets));
      c.chart.update('none');
    }
    dirty.clear();
  });
}

/** Adds points to a series; true when the charts must be laid out again (a new tag, or a series changing axis). */
export function append(run: string, tag: string, add: SeriesData): boolean {
  const store = data.get(run)!;
  let s = store.get(tag);
  const isNew = !s || s.epoch !== (add.epoch ?? false);
  if (!s) store.set(tag, (s = { steps: [], walls: [], values: [], epoch: add.epoch ?? false }));
  s.epoch = add.epoch ?? false;
  const from = s.values.length;
  for (let i = 0; i < add.steps.length; i++) {
    s.steps.push(add.steps[i]);
    s.walls.push(add.walls[i] ?? NaN);
    s.values.push(add.values[i] ?? NaN);
  }
  if (isNew) return true;
  const t0 = runStart(run);
  for (const [id, { chart, spec }] of charts) {
    if (!spec.tags.includes(tag)) continue;
    scheduleUpdate(id);
    if (spec.stack) continue; // rebuilt whole
    for (const d of chart.data.datasets) {
      const m = metaOf(d);
      if (m.run !== run || m.tag !== tag) continue;
      for (let i = from; i < s.values.length; i++) {
        const x = xOf(app.state.settings.xAxis, s, i, t0);
        if (!Number.isFinite(x)) continue;
        (d.data as { x: number; y: number }[]).push({ x, y: m.raw ? s.values[i] : m.ema!.next(s.values[i]) });
      }
    }
  }
  const i = s.values.length - 1;
  for (const button of document.querySelectorAll<HTMLElement>(`.series[data-run="${CSS.escape(run)}"][data-tag="${CSS.escape(tag)}"]`)) {
    button.dataset.count = String(s.values.length);
    button.dataset.last = String(s.values[i]);
    button.querySelector('.last')!.textContent = `${formatValue(s.values[i])} @ ${s.steps[i]}`;
  }
  return false;
}

/** Scrolls to the chart of a tag (not a stacked one) and marks its series. */
export function highlight(tag: string, scroll = true): void {
  const cards = [...document.querySelectorAll<HTMLElement>('.chart-card')].filter((c) => (c.dataset.tags ?? '').split('\n').includes(tag));
  const target = cards.find((c) => !c.classList.contains('stacked')) ?? cards[0];
  if (!target) return;
  if (scroll) target.scrollIntoView({ block: 'start' });
  document.querySelectorAll('.series.focus').forEach((e) => e.classList.remove('focus'));
  target.querySelectorAll(`.series[data-tag="${CSS.escape(tag)}"]`).forEach((e) => e.classList.add('focus'));
}
