// The curves panel: one chart per tag group, runs overlaid, smoothing, axes, zoom, live appends.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { Chart, Filler, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip, type ChartDataset, type Plugin } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { Ema, formatValue } from '../../../core/logs/smooth';
import {
  groupOf,
  stackable,
  type CurvesPanelState,
  type FromCurvesWebview,
  type RunMeta,
  type SeriesData,
  type ToCurvesWebview,
  type XAxis,
} from '../protocol';
import { $, el, select, showError } from '../../shared/app/ui';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Filler, zoomPlugin);

declare function acquireVsCodeApi(): { postMessage(m: FromCurvesWebview): void; setState(s: unknown): void; getState(): unknown };
const vscode = acquireVsCodeApi();
const post = (m: FromCurvesWebview): void => vscode.postMessage(m);

/** A tag's points in the webview: gaps (non-finite values) as NaN, which Chart.js leaves undrawn. */
interface Store {
  steps: number[];
  walls: number[];
  values: number[];
}

const state: CurvesPanelState = (vscode.getState() as CurvesPanelState | undefined) ?? JSON.parse($('app').dataset.state!);
let runs: RunMeta[] = [];
const data = new Map<string, Map<string, Store>>();
const charts = new Map<string, Chart<'line'>>();
let filter = '';

const PALETTE = ['#4e9af1', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];
const DASHES = [[], [6, 3], [2, 2], [10, 3, 2, 3]];
const css = (v: string, fallback: string): string => getComputedStyle(document.body).getPropertyValue(v).trim() || fallback;
const key = (run: string, tag: string): string => `${run}\n${tag}`;
const runName = (p: string): string => runs.find((r) => r.path === p)?.name ?? p;

function saveState(): void {
  vscode.setState(state);
  post({ type: 'state', state });
}

/** x of point i of a series on the chosen axis (NaN when the format has no wall time). */
function xOf(axis: XAxis, s: Store, i: number, t0: number): number {
  if (axis === 'step') return s.steps[i];
  if (axis === 'wall') return s.walls[i] * 1000;
  return s.walls[i] - t0;
}

function runStart(run: string): number {
  let t0 = Infinity;
  for (const s of data.get(run)?.values() ?? []) for (const w of s.walls) if (Number.isFinite(w) && w < t0) t0 = w;
  return t0;
}

function color(runIndex: number, tagIndex: number, oneRun: boolean): { stroke: string; dash: number[] } {
  return oneRun
    ? { stroke: PALETTE[tagIndex % PALETTE.length], dash: [] }
    : { stroke: PALETTE[runIndex % PALETTE.length], dash: DASHES[tagIndex % DASHES.length] };
}

const alpha = (hex: string, a: number): string =>
  hex +
  Math.round(a * 255)
    .toString(16)
    .padStart(2, '0');

function duration(sec: number): string {
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

interface Meta {
  run: string;
  tag: string;
  raw?: boolean;
  ema?: Ema;
}

/** Builds the datasets of one group: per run and tag a smoothed line over a faint raw one (or stacked terms). */
function datasets(group: string, tags: string[]): ChartDataset<'line'>[] {
  const out: ChartDataset<'line'>[] = [];
  const { smoothing, xAxis, stacked } = state.settings;
  const oneRun = state.runs.length === 1;
  state.runs.forEach((run, ri) => {
    const store = data.get(run);
    if (!store) return;
    const runTags = tags.filter((t) => store.has(t));
    const stack = stacked.includes(group) ? stackable(runTags) : undefined;
    const t0 = runStart(run);
    runTags.forEach((tag) => {
      const s = store.get(tag)!;
      const ti = tags.indexOf(tag);
      const { stroke, dash } = color(ri, ti, oneRun);
      const hidden = state.settings.hidden.includes(key(run, tag));
      const label = oneRun ? tag : `${runName(run)} · ${tag}`;
      const ema = new Ema(smoothing);
      const points = s.values.map((v, i) => ({ x: xOf(xAxis, s, i, t0), y: ema.next(v) })).filter((p) => Number.isFinite(p.x));
      const isTerm = stack && stack.terms.includes(tag);
      const base = {
        label,
        hidden,
        borderColor: stroke,
        borderDash: dash,
        borderWidth: 1.6,
        pointRadius: 0,
        pointHitRadius: 4,
        spanGaps: false,
        parsing: false as const,
        normalized: true,
        tension: 0,
      };
      if (isTerm) {
        const first = stack!.terms.indexOf(tag) === 0;
        out.push({ ...base, data: points, fill: first ? 'origin' : '-1', backgroundColor: alpha(stroke, 0.35), stack: run, meta: { run, tag, ema } } as never);
        return;
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
    });
  });
  return out;
}

const metaOf = (d: ChartDataset<'line'>): Meta => (d as unknown as { meta: Meta }).meta;

/** Fills the exported PNG's background with the editor's. */
const background: Plugin<'line'> = {
  id: 'background',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = css('--vscode-editor-background', '#1e1e1e');
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

function tickLabel(axis: XAxis, v: number): string {
  if (axis === 'wall') return new Date(v).toLocaleTimeString();
  if (axis === 'relative') return duration(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function makeChart(canvas: HTMLCanvasElement, group: string, tags: string[]): Chart<'line'> {
  const fg = css('--vscode-descriptionForeground', '#999');
  const grid = css('--vscode-panel-border', '#444');
  const axis = state.settings.xAxis;
  const stackedView = state.settings.stacked.includes(group);
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: datasets(group, tags) },
    plugins: [background],
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
          title: { display: true, text: axis === 'step' ? 'step' : axis === 'wall' ? 'wall time' : 'time since start', color: fg },
        },
        y: {
          type: state.settings.logScale ? 'logarithmic' : 'linear',
          stacked: stackedView,
          ticks: { color: fg, callback: (v) => formatValue(Number(v)) },
          grid: { color: grid },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => !metaOf(item.dataset as ChartDataset<'line'>).raw,
          callbacks: {
            title: (items) => (items[0] ? `${axis === 'step' ? 'step ' : ''}${tickLabel(axis, items[0].parsed.x ?? 0)}` : ''),
            label: (item) => {
              const m = metaOf(item.dataset as ChartDataset<'line'>);
              const s = data.get(m.run)?.get(m.tag);
              const raw = s?.values[item.dataIndex];
              const y = stackedView ? (raw ?? NaN) : (item.parsed.y ?? NaN);
              return ` ${item.dataset.label}: ${formatValue(y)}${state.settings.smoothing > 0 && raw !== undefined && !stackedView ? ` (raw ${formatValue(raw)})` : ''}`;
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

/** Visible tags grouped (group → tags in first-seen order), after the filter. */
function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let re: RegExp | undefined;
  try {
    re = filter ? new RegExp(filter, 'i') : undefined;
  } catch {
    re = undefined;
  }
  for (const run of state.runs) {
    for (const tag of data.get(run)?.keys() ?? []) {
      if (re && !re.test(tag)) continue;
      const g = groupOf(tag);
      const list = out.get(g) ?? [];
      if (!list.includes(tag)) list.push(tag);
      out.set(g, list);
    }
  }
  return out;
}

/** A legend swatch: a short line in the series' colour and dash pattern. */
function swatch(stroke: string, dash: number[]): HTMLCanvasElement {
  const c = el('canvas', { class: 'swatch-line', width: '40', height: '8', 'aria-hidden': 'true' });
  const ctx = c.getContext('2d')!;
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 3;
  ctx.setLineDash(dash.map((d) => d * 1.5));
  ctx.beginPath();
  ctx.moveTo(0, 4);
  ctx.lineTo(40, 4);
  ctx.stroke();
  return c;
}

/** The legend: a toggle button per series with its latest value (also how tests read the chart). */
function legend(group: string, tags: string[]): HTMLElement {
  const list = el('div', { class: 'legend', role: 'group', 'aria-label': `${group} series` });
  const oneRun = state.runs.length === 1;
  state.runs.forEach((run, ri) => {
    for (const tag of tags) {
      const s = data.get(run)?.get(tag);
      if (!s) continue;
      const k = key(run, tag);
      const { stroke } = color(ri, tags.indexOf(tag), oneRun);
      const i = s.values.length - 1;
      const lastText = i >= 0 ? `${formatValue(s.values[i])} @ ${s.steps[i]}` : '—';
      const shown = !state.settings.hidden.includes(k);
      const { dash } = color(ri, tags.indexOf(tag), oneRun);
      const b = el(
        'button',
        {
          class: 'series',
          'aria-pressed': String(shown),
          'data-run': run,
          'data-tag': tag,
          'data-count': String(s.values.length),
          'data-last': i >= 0 ? String(s.values[i]) : '',
          title: shown ? 'Hide this series' : 'Show this series',
        },
        swatch(stroke, dash),
        el('span', { class: 'name' }, oneRun ? tag : `${runName(run)} · ${tag}`),
        el('span', { class: 'last' }, lastText),
      );
      b.addEventListener('click', () => {
        const hidden = new Set(state.settings.hidden);
        if (hidden.has(k)) hidden.delete(k);
        else hidden.add(k);
        state.settings.hidden = [...hidden];
        saveState();
        render();
      });
      list.append(b);
    }
  });
  return list;
}

function renderRuns(): void {
  const box = $('runs');
  box.replaceChildren(
    ...runs.map((r, i) => {
      const chip = el('span', { class: 'run-chip', title: r.path }, el('span', { class: 'swatch' }), `${r.name} `, el('span', { class: 'muted' }, r.format));
      (chip.firstChild as HTMLElement).style.background = state.runs.length === 1 ? 'transparent' : PALETTE[i % PALETTE.length];
      if (r.corrupt) chip.append(el('span', { class: 'warn', title: 'Corrupt records were skipped' }, ` ⚠ ${r.corrupt} corrupt skipped`));
      if (r.incomplete)
        chip.append(
          el(
            'span',
            { class: 'warn', title: 'A record at the end of a file is cut short or still being written; it is read once it is complete' },
            ` ⚠ ${r.incomplete} incomplete`,
          ),
        );
      if (r.deleted) chip.append(el('span', { class: 'warn' }, ' (files deleted; last points kept)'));
      return chip;
    }),
  );
  if (runs.length === 0) box.append(el('span', { class: 'muted' }, 'No runs chosen yet.'));
}

function render(): void {
  for (const c of charts.values()) c.destroy();
  charts.clear();
  const box = $('charts');
  const g = groups();
  if (g.size === 0) {
    box.replaceChildren(
      el(
        'p',
        { class: 'muted' },
        runs.length
          ? 'No scalars logged yet: the chart appears with the first point.'
          : 'Choose runs with "Choose runs…" or tick them in the Training Runs view.',
      ),
    );
    return;
  }
  box.replaceChildren();
  for (const [group, tags] of g) {
    const canvas = el('canvas', { id: `chart-${group.replace(/[^\w-]/g, '_')}`, role: 'img', 'aria-label': `Chart of ${tags.join(', ')}` });
    const canStack = state.runs.some((r) => stackable(tags.filter((t) => data.get(r)?.has(t))) !== undefined);
    const stacked = state.settings.stacked.includes(group);
    const head = el('div', { class: 'chart-head' }, el('h2', {}, group));
    const tools = el('div', { class: 'chart-tools' });
    if (canStack) {
      const b = el(
        'vscode-button',
        { secondary: '', 'aria-pressed': String(stacked), title: 'Stack the loss terms under the total (distillation view)' },
        stacked ? 'Unstack terms' : 'Stack loss terms',
      );
      b.addEventListener('click', () => {
        state.settings.stacked = stacked ? state.settings.stacked.filter((x) => x !== group) : [...state.settings.stacked, group];
        saveState();
        render();
      });
      tools.append(b);
    }
    const zin = el('vscode-button', { secondary: '', title: 'Zoom in (or the mouse wheel; shift-drag to zoom to a box)' }, '+');
    const zout = el('vscode-button', { secondary: '', title: 'Zoom out' }, '−');
    const reset = el('vscode-button', { secondary: '', title: 'Reset zoom and pan (or double-click the chart)' }, 'Reset');
    const png = el('vscode-button', { secondary: '', title: 'Save this chart as PNG' }, 'PNG');
    tools.append(zin, zout, reset, png);
    head.append(tools);
    const section = el('section', { class: 'chart-card', 'data-group': group }, head, el('div', { class: 'chart-box' }, canvas), legend(group, tags));
    box.append(section);
    const chart = makeChart(canvas, group, tags);
    charts.set(group, chart);
    zin.addEventListener('click', () => chart.zoom(1.25));
    zout.addEventListener('click', () => chart.zoom(0.8));
    reset.addEventListener('click', () => chart.resetZoom());
    canvas.addEventListener('dblclick', () => chart.resetZoom());
    png.addEventListener('click', () => post({ type: 'exportPng', dataUrl: canvas.toDataURL('image/png') }));
  }
  if (state.focus) highlight(state.focus, false);
}

let frame = 0;
const dirty = new Set<string>();
/** Appends new points to the charts in place (no rebuild), once per animation frame. */
function scheduleUpdate(group: string): void {
  dirty.add(group);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    for (const g of dirty) charts.get(g)?.update('none');
    dirty.clear();
  });
}

function append(run: string, tag: string, add: SeriesData): boolean {
  const store = data.get(run)!;
  let s = store.get(tag);
  const isNew = !s;
  if (!s) store.set(tag, (s = { steps: [], walls: [], values: [] }));
  const from = s.values.length;
  for (let i = 0; i < add.steps.length; i++) {
    s.steps.push(add.steps[i]);
    s.walls.push(add.walls[i] ?? NaN);
    s.values.push(add.values[i] ?? NaN);
  }
  if (isNew) return true;
  const group = groupOf(tag);
  const chart = charts.get(group);
  if (!chart) return true;
  if (state.settings.stacked.includes(group)) return true; // stacks are rebuilt
  const t0 = runStart(run);
  for (const d of chart.data.datasets) {
    const m = metaOf(d);
    if (m.run !== run || m.tag !== tag) continue;
    for (let i = from; i < s.values.length; i++) {
      const x = xOf(state.settings.xAxis, s, i, t0);
      if (!Number.isFinite(x)) continue;
      (d.data as { x: number; y: number }[]).push({ x, y: m.raw ? s.values[i] : m.ema!.next(s.values[i]) });
    }
  }
  const button = document.querySelector<HTMLElement>(`.series[data-run="${CSS.escape(run)}"][data-tag="${CSS.escape(tag)}"]`);
  if (button) {
    const i = s.values.length - 1;
    button.dataset.count = String(s.values.length);
    button.dataset.last = String(s.values[i]);
    button.querySelector('.last')!.textContent = `${formatValue(s.values[i])} @ ${s.steps[i]}`;
  }
  scheduleUpdate(group);
  return false;
}

function highlight(tag: string, scroll = true): void {
  const section = document.querySelector<HTMLElement>(`.chart-card[data-group="${CSS.escape(groupOf(tag))}"]`);
  if (!section) return;
  if (scroll) section.scrollIntoView({ block: 'start' });
  document.querySelectorAll('.series.focus').forEach((e) => e.classList.remove('focus'));
  document.querySelectorAll(`.series[data-tag="${CSS.escape(tag)}"]`).forEach((e) => e.classList.add('focus'));
}

function controls(): HTMLElement {
  const s = state.settings;
  const smoothing = el('input', { id: 'smoothing', type: 'range', min: '0', max: '0.99', step: '0.01', value: String(s.smoothing), 'aria-label': 'Smoothing' });
  const smoothingValue = el('span', { class: 'muted', id: 'smoothing-value' }, s.smoothing.toFixed(2));
  smoothing.addEventListener('input', () => (smoothingValue.textContent = Number(smoothing.value).toFixed(2)));
  smoothing.addEventListener('change', () => {
    state.settings.smoothing = Number(smoothing.value);
    saveState();
    render();
  });
  const log = el('vscode-checkbox', { id: 'log-scale', label: 'Log scale', ...(s.logScale ? { checked: '' } : {}) });
  log.addEventListener('change', () => {
    state.settings.logScale = (log as unknown as { checked: boolean }).checked;
    saveState();
    render();
  });
  const search = el('vscode-textfield', { id: 'filter', placeholder: 'Filter tags (regular expression)', 'aria-label': 'Filter tags' });
  search.addEventListener('input', () => {
    filter = (search as unknown as { value: string }).value;
    render();
  });
  return el(
    'div',
    { class: 'controls' },
    el('div', { class: 'field' }, el('vscode-label', { for: 'smoothing' }, 'Smoothing'), el('div', { class: 'inline' }, smoothing, smoothingValue)),
    select(
      'x-axis',
      'Horizontal axis',
      [
        ['step', 'Step'],
        ['relative', 'Relative time'],
        ['wall', 'Wall time'],
      ],
      s.xAxis,
      (v) => {
        state.settings.xAxis = v as XAxis;
        saveState();
        render();
      },
    ),
    el('div', { class: 'field' }, el('vscode-label', {}, 'Scale'), log),
    el('div', { class: 'field wide' }, el('vscode-label', { for: 'filter' }, 'Tags'), search),
  );
}

function layout(): void {
  const addRuns = el('vscode-button', { id: 'add-runs', secondary: '', title: 'Choose the runs to overlay' }, 'Choose runs…');
  addRuns.addEventListener('click', () => post({ type: 'addRuns' }));
  const csv = el('vscode-button', { id: 'export-csv', secondary: '' }, 'Export CSV');
  csv.addEventListener('click', () => post({ type: 'exportCsv' }));
  $('app').replaceChildren(
    el('header', {}, el('div', {}, el('h1', {}, 'Training curves'), el('div', { id: 'runs', class: 'runs' })), el('div', { class: 'actions' }, addRuns, csv)),
    el('div', { id: 'error', class: 'error', role: 'alert', hidden: '' }),
    controls(),
    el('div', { id: 'charts', class: 'charts' }),
  );
  renderRuns();
}

window.addEventListener('message', (e: MessageEvent<ToCurvesWebview>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'runs':
      runs = msg.runs;
      state.runs = msg.runs.map((r) => r.path);
      for (const p of [...data.keys()]) if (!state.runs.includes(p)) data.delete(p);
      vscode.setState(state);
      renderRuns();
      render();
      return;
    case 'data': {
      if (msg.reset || !data.has(msg.run)) data.set(msg.run, new Map());
      let rebuild = msg.reset;
      for (const [tag, s] of Object.entries(msg.tags)) if (append(msg.run, tag, s)) rebuild = true;
      if (rebuild) render();
      return;
    }
    case 'focus':
      state.focus = msg.tag;
      vscode.setState(state);
      highlight(msg.tag);
      return;
    case 'error':
      showError(msg.message);
      return;
  }
});

// A colour theme change swaps the body's class and the CSS variables the charts were drawn with.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

layout();
render();
post({ type: 'ready' });
