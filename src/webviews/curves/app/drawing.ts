// The curves panel's charts: one per tag group, runs overlaid (colour per run, dash per tag), smoothing, axes, legends, live appends.
import { Chart, Filler, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip, type ChartDataset, type Plugin } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { Ema, formatValue } from '../../../core/logs/smooth';
import { groupOf, stackable, type SeriesData } from '../protocol';
import { $, el } from '../../shared/app/ui';

import { alpha, color, PALETTE, tickLabel, xOf, yTickLabels } from './look';
import { app, charts, data, key, post, runName, saveState } from './state';

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

/** A run's values by tag and step, for telling a total's terms from other tags (stackable). */
function valuesOf(run: string) {
  const store = data.get(run);
  return {
    steps: (tag: string): number[] => store?.get(tag)?.steps ?? [],
    value: (tag: string, step: number) => {
      const s = store?.get(tag);
      if (!s) return undefined;
      for (let i = s.steps.length - 1; i >= 0; i--) if (s.steps[i] === step) return s.values[i];
      return undefined;
    },
  };
}

/** Builds the datasets of one group: per run and tag a smoothed line over a faint raw one (or stacked terms). */
export function datasets(group: string, tags: string[]): ChartDataset<'line'>[] {
  const out: ChartDataset<'line'>[] = [];
  const { smoothing, xAxis, stacked } = app.state.settings;
  const oneRun = app.state.runs.length === 1;
  app.state.runs.forEach((run, ri) => {
    const store = data.get(run);
    if (!store) return;
    const runTags = tags.filter((t) => store.has(t));
    const stack = stacked.includes(group) ? stackable(runTags, valuesOf(run)) : undefined;
    const t0 = runStart(run);
    runTags.forEach((tag) => {
      const s = store.get(tag)!;
      const ti = tags.indexOf(tag);
      const { stroke, dash } = color(ri, ti, oneRun);
      const hidden = app.state.settings.hidden.includes(key(run, tag));
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
        // A series of one point has no line to draw: a marker shows it.
        pointRadius: s.values.length === 1 ? 3 : 0,
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

export function makeChart(canvas: HTMLCanvasElement, group: string, tags: string[]): Chart<'line'> {
  const fg = css('--vscode-descriptionForeground', '#999');
  const grid = css('--vscode-panel-border', '#444');
  const axis = app.state.settings.xAxis;
  const stackedView = app.state.settings.stacked.includes(group);
  return new Chart<'line'>(canvas, {
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
          type: app.state.settings.logScale ? 'logarithmic' : 'linear',
          stacked: stackedView,
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
            title: (items) => (items[0] ? `${axis === 'step' ? 'step ' : ''}${tickLabel(axis, items[0].parsed.x ?? 0)}` : ''),
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

/** Visible tags grouped (group → tags in first-seen order), after the filter. */
export function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let re: RegExp | undefined;
  try {
    re = app.filter ? new RegExp(app.filter, 'i') : undefined;
  } catch {
    re = undefined;
  }
  for (const run of app.state.runs) {
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
export function swatch(stroke: string, dash: number[]): HTMLCanvasElement {
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
export function legend(group: string, tags: string[]): HTMLElement {
  const list = el('div', { class: 'legend', role: 'group', 'aria-label': `${group} series` });
  const oneRun = app.state.runs.length === 1;
  app.state.runs.forEach((run, ri) => {
    for (const tag of tags) {
      const s = data.get(run)?.get(tag);
      if (!s) continue;
      const k = key(run, tag);
      const { stroke } = color(ri, tags.indexOf(tag), oneRun);
      const i = s.values.length - 1;
      const lastText = i >= 0 ? `${formatValue(s.values[i])} @ ${s.steps[i]}` : '—';
      const shown = !app.state.settings.hidden.includes(k);
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
        const hidden = new Set(app.state.settings.hidden);
        if (hidden.has(k)) hidden.delete(k);
        else hidden.add(k);
        app.state.settings.hidden = [...hidden];
        saveState();
        render();
      });
      list.append(b);
    }
  });
  return list;
}

export function renderRuns(): void {
  const box = $('runs');
  box.replaceChildren(
    ...app.runs.map((r, i) => {
      const chip = el('span', { class: 'run-chip', title: r.path }, el('span', { class: 'swatch' }), `${r.name} `, el('span', { class: 'muted' }, r.format));
      (chip.firstChild as HTMLElement).style.background = app.state.runs.length === 1 ? 'transparent' : PALETTE[i % PALETTE.length];
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
  if (app.runs.length === 0) box.append(el('span', { class: 'muted' }, 'No runs chosen yet.'));
}

export function render(): void {
  // Re-rendering keeps the reader where they were (toggling the stacked view, a new run).
  const scroll = window.scrollY;
  requestAnimationFrame(() => window.scrollTo({ top: scroll }));
  for (const c of charts.values()) c.destroy();
  charts.clear();
  const box = $('charts');
  const g = groups();
  if (g.size === 0) {
    box.replaceChildren(
      el(
        'p',
        { class: 'muted' },
        app.filter && app.state.runs.some((r) => (data.get(r)?.size ?? 0) > 0)
          ? `The tag filter /${app.filter}/ matches no tag of the shown runs.`
          : app.runs.length
            ? 'No scalars logged yet: the chart appears with the first point.'
            : 'Choose runs with "Choose runs…" or tick them in the Training Runs view.',
      ),
    );
    return;
  }
  box.replaceChildren();
  // The filter never hides a run silently: name the runs none of whose tags it lets through.
  const shown = new Set([...g.values()].flat());
  const filtered = app.state.runs.filter((r) => (data.get(r)?.size ?? 0) > 0 && ![...(data.get(r)?.keys() ?? [])].some((t) => shown.has(t)));
  if (app.filter && filtered.length)
    box.append(el('p', { class: 'muted', id: 'filtered-runs' }, `The tag filter /${app.filter}/ hides every tag of ${filtered.map(runName).join(', ')}.`));
  // Time axes need wall times: say which runs' logs have none (JSON lines or CSV without a timestamp
  // column) rather than drawing them at 1970.
  if (app.state.settings.xAxis !== 'step') {
    const timeless = app.state.runs.filter((r) => ![...(data.get(r)?.values() ?? [])].some((s) => s.walls.some(Number.isFinite)));
    if (timeless.length)
      box.append(
        el(
          'p',
          { class: 'muted', id: 'no-wall-time' },
          `${timeless.map((r) => `${runName(r)} (${app.runs.find((m) => m.path === r)?.format ?? 'its logs'})`).join(', ')}: no wall time in ${timeless.length === 1 ? 'its logs' : 'their logs'}, so ${timeless.length === 1 ? 'it is' : 'they are'} not drawn on this axis; choose Step to see ${timeless.length === 1 ? 'it' : 'them'}.`,
        ),
      );
    if (timeless.length === app.state.runs.length) return;
  }
  for (const [group, tags] of g) {
    const canvas = el('canvas', { id: `chart-${group.replace(/[^\w-]/g, '_')}`, role: 'img', 'aria-label': `Chart of ${tags.join(', ')}` });
    const canStack = app.state.runs.some(
      (r) =>
        stackable(
          tags.filter((t) => data.get(r)?.has(t)),
          valuesOf(r),
        ) !== undefined,
    );
    const stacked = app.state.settings.stacked.includes(group);
    const head = el('div', { class: 'chart-head' }, el('h2', {}, group));
    const tools = el('div', { class: 'chart-tools' });
    if (canStack) {
      const b = el(
        'vscode-button',
        { secondary: '', 'aria-pressed': String(stacked), title: 'Stack the loss terms under the total (distillation view)' },
        stacked ? 'Unstack terms' : 'Stack loss terms',
      );
      b.addEventListener('click', () => {
        app.state.settings.stacked = stacked ? app.state.settings.stacked.filter((x) => x !== group) : [...app.state.settings.stacked, group];
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
  if (app.state.focus) highlight(app.state.focus, false);
}

export let frame = 0;
export const dirty = new Set<string>();
/** Appends new points to the charts in place (no rebuild), once per animation frame. */
export function scheduleUpdate(group: string): void {
  dirty.add(group);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    for (const g of dirty) charts.get(g)?.update('none');
    dirty.clear();
  });
}

export function append(run: string, tag: string, add: SeriesData): boolean {
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
  if (app.state.settings.stacked.includes(group)) return true; // stacks are rebuilt
  const t0 = runStart(run);
  for (const d of chart.data.datasets) {
    const m = metaOf(d);
    if (m.run !== run || m.tag !== tag) continue;
    for (let i = from; i < s.values.length; i++) {
      const x = xOf(app.state.settings.xAxis, s, i, t0);
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

export function highlight(tag: string, scroll = true): void {
  const section = document.querySelector<HTMLElement>(`.chart-card[data-group="${CSS.escape(groupOf(tag))}"]`);
  if (!section) return;
  if (scroll) section.scrollIntoView({ block: 'start' });
  document.querySelectorAll('.series.focus').forEach((e) => e.classList.remove('focus'));
  document.querySelectorAll(`.series[data-tag="${CSS.escape(tag)}"]`).forEach((e) => e.classList.add('focus'));
}
