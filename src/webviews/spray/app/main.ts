// The SpRAy panel's browser side: the settings (the CLI's flags), the embedding's scatter coloured by
// cluster and the eigenvalues with the gap marked (chart.js), and each cluster — smallest first, where a
// shortcut shows — with its mean map and its images; a thumbnail opens its image in the model panel.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, PointElement, ScatterController, Tooltip } from 'chart.js';
import { METHOD_SPECS } from '../../../core/explain/specs';
import { clusterColour } from '../../../core/spray/colours';
import type { SprayResultMessage } from '../../../protocol/worker';
import { $, busyRow, clearStale, COMMON_HANDLERS, el, listenTo, select, showError, webviewApi } from '../../shared/app/ui';
import { SPRAY_EMBEDDINGS, SPRAY_PANEL_METHODS, spraySettingsProblems, type FromSprayWebview, type SprayPanelState, type ToSprayWebview } from '../protocol';

Chart.register(ScatterController, BarController, BarElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

type Shown = { result: SprayResultMessage; pictures: Record<string, string> };
type Saved = SprayPanelState & { shown?: Shown };

const vscode = webviewApi<FromSprayWebview, Saved>();
const app = {
  state: vscode.initialState as SprayPanelState,
  shown: vscode.initialState.shown,
  luts: { signed: [] as number[], unsigned: [] as number[] },
};
const post = (m: FromSprayWebview) => vscode.post(m);
const save = () => vscode.save({ ...app.state, shown: app.shown });
const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
const css = (v: string, f: string) => getComputedStyle(document.body).getPropertyValue(v).trim() || f;
/** The thumbnails shown per cluster before "and N more". */
const THUMBS = 40;

let scatter: Chart | undefined;
let eigen: Chart | undefined;

function sendSettings(): boolean {
  const problems = spraySettingsProblems(app.state.settings);
  $('settings-error').textContent = problems.join(' ');
  if (problems.length) return false;
  post({ type: 'settings', settings: app.state.settings });
  save();
  return true;
}

function intField(id: string, label: string, value: number, apply: (v: number) => void): HTMLElement {
  const f = el('vscode-textfield', { id, type: 'number', value: String(value), 'aria-label': label });
  f.addEventListener('change', () => {
    apply(Number((f as unknown as { value: string }).value));
    sendSettings();
  });
  return el('div', { class: 'field' }, el('vscode-label', { for: id }, label), f);
}

function layout(): void {
  const s = app.state.settings;
  const methods = METHOD_SPECS.filter((m) => (SPRAY_PANEL_METHODS as readonly string[]).includes(m.name)).map((m) => [m.name, m.title] as [string, string]);
  const classControl = app.state.labels.length
    ? select(
        'class',
        'Class',
        app.state.labels.map((l, i) => [l, `${i}: ${l}`] as [string, string]),
        app.state.labels.includes(s.classArg) ? s.classArg : (app.state.labels[Number(s.classArg)] ?? app.state.labels[0]),
        (v) => {
          s.classArg = v;
          sendSettings();
        },
      )
    : (() => {
        const f = el('vscode-textfield', { id: 'class', value: s.classArg, 'aria-label': 'Class index' });
        f.addEventListener('change', () => {
          s.classArg = (f as unknown as { value: string }).value.trim();
          sendSettings();
        });
        return el('div', { class: 'field' }, el('vscode-label', { for: 'class' }, 'Class (index)'), f);
      })();
  vscode.root.replaceChildren(
    el(
      'header',
      {},
      el(
        'div',
        {},
        el('h1', {}, 'Find shortcuts (SpRAy)'),
        el('p', { class: 'muted' }, `${baseName(app.state.model)} on every image below ${app.state.folder}`),
        el(
          'p',
          { class: 'muted' },
          'Heat maps of one class over a folder, clustered (the eigengap of the maps’ nearest-neighbour graph chooses how many). A small, tight cluster whose mean map sits on something other than the object is the classic Clever-Hans signature.',
        ),
      ),
    ),
    el(
      'section',
      { class: 'controls' },
      classControl,
      select('method', 'Method', methods, s.method, (v) => {
        s.method = v;
        sendSettings();
      }),
      intField('grid', 'Grid', s.grid, (v) => (s.grid = v)),
      intField('neighbours', 'Neighbours', s.neighbours, (v) => (s.neighbours = v)),
      intField('clusters', 'Clusters (0: eigengap)', s.clusters, (v) => (s.clusters = v)),
      select(
        'embedding',
        'Embedding',
        SPRAY_EMBEDDINGS.map((e) => [e, e === 'umap' ? 'UMAP' : 't-SNE'] as [string, string]),
        s.embedding,
        (v) => {
          s.embedding = v as (typeof SPRAY_EMBEDDINGS)[number];
          sendSettings();
        },
      ),
      intField('seed', 'Seed', s.seed, (v) => (s.seed = v)),
      el('div', { class: 'actions' }, el('vscode-button', { id: 'run' }, 'Run SpRAy')),
    ),
    el('p', { id: 'settings-error', class: 'field-error', role: 'alert' }),
    ...busyRow(),
    el('p', { id: 'summary', class: 'muted' }),
    el(
      'section',
      { class: 'spray-charts result-view' },
      el(
        'div',
        { class: 'spray-chart' },
        el('h2', {}, 'Embedding'),
        el('canvas', { id: 'scatter', role: 'img', 'aria-label': 'The 2-D embedding of the maps, coloured by cluster' }),
      ),
      el(
        'div',
        { class: 'spray-chart' },
        el('h2', {}, 'Smallest eigenvalues'),
        el('canvas', { id: 'eigen', role: 'img', 'aria-label': 'The smallest eigenvalues of the normalised Laplacian, the gap marked' }),
      ),
    ),
    el('section', { id: 'cluster-list', class: 'result-view' }),
  );
  $('run').addEventListener('click', () => {
    if (sendSettings()) post({ type: 'run' });
  });
  $('cancel').addEventListener('click', () => post({ type: 'cancel' }));
}

/** A mean map on a canvas, each cell a square, scaled to its largest |value| (diverging colours when signed). */
function drawMean(canvas: HTMLCanvasElement, grid: { width: number; height: number; values: Float32Array | number[] }, signed: boolean): void {
  const cell = Math.max(4, Math.floor(160 / grid.width));
  canvas.width = grid.width * cell;
  canvas.height = grid.height * cell;
  const ctx = canvas.getContext('2d')!;
  let max = 0;
  for (const v of grid.values) max = Math.max(max, Math.abs(v));
  const lut = signed ? app.luts.signed : app.luts.unsigned;
  for (let r = 0; r < grid.height; r++)
    for (let c = 0; c < grid.width; c++) {
      const v = max > 0 ? grid.values[r * grid.width + c] / max : 0;
      const t = signed ? (v + 1) / 2 : Math.max(0, v);
      const k = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
      ctx.fillStyle = `rgb(${lut[k] ?? 0},${lut[k + 1] ?? 0},${lut[k + 2] ?? 0})`;
      ctx.fillRect(c * cell, r * cell, cell, cell);
    }
  canvas.dataset.drawn = 'true';
}

function drawCharts(r: SprayResultMessage): void {
  const fg = css('--vscode-foreground', '#ccc');
  const muted = css('--vscode-descriptionForeground', '#888');
  scatter?.destroy();
  eigen?.destroy();
  scatter = new Chart($('scatter') as HTMLCanvasElement, {
    type: 'scatter',
    data: {
      datasets: r.groups.map((g) => ({
        label: `cluster ${g.cluster} (${g.size})`,
        data: r.images.filter((i) => i.cluster === g.cluster).map((i) => ({ x: i.x, y: i.y })),
        backgroundColor: clusterColour(g.cluster),
        borderColor: clusterColour(g.cluster),
        pointRadius: 4,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { ticks: { color: muted } }, y: { ticks: { color: muted } } },
      plugins: { legend: { labels: { color: fg } } },
    },
  });
  const gap = r.clusters;
  eigen = new Chart($('eigen') as HTMLCanvasElement, {
    type: 'bar',
    data: {
      labels: r.eigenvalues.map((_, i) => `λ${i}`),
      datasets: [
        {
          label: 'eigenvalue',
          data: r.eigenvalues,
          // λ_k after the largest gap (k = the number of clusters) in the accent colour
          backgroundColor: r.eigenvalues.map((_, i) => (i === gap ? css('--vscode-charts-orange', '#d18616') : css('--vscode-charts-blue', '#3794ff'))),
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { ticks: { color: fg } },
        y: { beginAtZero: true, ticks: { color: muted } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { footer: (items) => (items[0]?.dataIndex === gap ? `the largest gap is before λ${gap}: ${gap} clusters` : '') } },
      },
    },
  });
  $('scatter').dataset.drawn = 'true';
  $('eigen').dataset.drawn = 'true';
}

/** The cluster's colour (set through the CSSOM: the page's CSP allows no inline style attributes). */
function swatch(cluster: number): HTMLElement {
  const s = el('span', { class: 'swatch' });
  s.style.background = clusterColour(cluster);
  return s;
}

function drawResult(): void {
  const shown = app.shown;
  if (!shown) return;
  const r = shown.result;
  const name = r.label !== undefined ? `${r.class} (${r.label})` : String(r.class);
  const chosen = app.state.settings.clusters ? 'as asked' : `the largest gap is before λ${r.clusters}`;
  $('summary').textContent = `${r.images.length} images, class ${name}, ${r.method} maps: ${r.clusters} clusters (${chosen}).`;
  drawCharts(r);
  const cards = [...r.groups]
    .sort((a, b) => a.size - b.size)
    .map((g) => {
      const canvas = el('canvas', { class: 'spray-mean', role: 'img', 'aria-label': `Mean map of cluster ${g.cluster}` });
      drawMean(canvas, g.meanMap, r.signed);
      const members = r.images.filter((i) => i.cluster === g.cluster);
      const thumbs = members.slice(0, THUMBS).map((i) => {
        const picture = shown.pictures[i.image];
        const b = el(
          'button',
          { class: 'spray-thumb', title: `${baseName(i.image)} — open in the model panel`, 'data-image': i.image },
          picture ? el('img', { src: picture, alt: baseName(i.image) }) : baseName(i.image),
        );
        b.addEventListener('click', () => post({ type: 'openImage', image: i.image }));
        return b;
      });
      return el(
        'article',
        { class: 'spray-cluster', 'data-cluster': String(g.cluster) },
        el('h3', {}, swatch(g.cluster), ` Cluster ${g.cluster} · ${g.size} image${g.size === 1 ? '' : 's'}`),
        el(
          'div',
          { class: 'spray-cluster-body' },
          canvas,
          el('div', { class: 'spray-thumbs' }, ...thumbs, members.length > THUMBS ? el('span', { class: 'muted' }, `and ${members.length - THUMBS} more`) : ''),
        ),
      );
    });
  $('cluster-list').replaceChildren(el('h2', {}, 'Clusters, smallest first'), ...cards);
}

listenTo<ToSprayWebview>({
  ...COMMON_HANDLERS,
  error: (msg) => showError(msg.message),
  init: (msg) => {
    app.luts = msg.luts;
    // The webview's own settings (kept across a reload) win over the host's.
    app.state = { ...msg.state, settings: { ...msg.state.settings, ...app.state.settings } };
    layout();
    sendSettings();
    if (app.shown) {
      clearStale();
      drawResult();
    }
  },
  result: (msg) => {
    clearStale();
    $('error').hidden = true;
    // Plain arrays: the saved state is JSON, where a Float32Array would not survive a reload.
    const result = { ...msg.result, groups: msg.result.groups.map((g) => ({ ...g, meanMap: { ...g.meanMap, values: Array.from(g.meanMap.values) } })) };
    app.shown = { result: result as unknown as SprayResultMessage, pictures: msg.pictures };
    save();
    drawResult();
  },
});

layout();
// A theme change: the charts take their colours from the theme when drawn.
new MutationObserver(() => app.shown && drawCharts(app.shown.result)).observe(document.body, { attributes: true, attributeFilter: ['class'] });
post({ type: 'ready' });
