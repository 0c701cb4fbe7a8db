// The model panel's browser side: vscode-elements controls, canvases, messages to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import type { ExplainResultMessage, LayerPreviewMessage, MapGrid, ModelSummaryMessage } from '../../../protocol/worker';
import { DEFAULT_METHOD } from '../../../core/explain/specs';
import { numericParams, paramFromField, usesLayer } from './params';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../../../core/image/specs';
import { PANEL_COLORMAPS, PANEL_METHODS, type FromWebview, type PanelState, type ToWebview } from '../protocol';

import { $, el, handleCommonMessage, overlayPixels, paint, paintColorbar, select } from '../../shared/app/ui';
declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const root = document.getElementById('app')!;
let state: PanelState = (vscode.getState() as PanelState | undefined) ?? JSON.parse(root.dataset.state!);
let summary: ModelSummaryMessage | undefined;
let luts: Record<string, number[]> = {};
let result: ExplainResultMessage | undefined;
let recent: string[] = [];
let sortKey: 'index' | 'name' | 'type' | 'params' = 'index';
let sortAsc = true;

function post(m: FromWebview): void {
  vscode.postMessage(m);
}
function save(): void {
  vscode.setState(state);
}

let runTimer: number | undefined;
function rerun(): void {
  save();
  if (!state.imagePath) return;
  window.clearTimeout(runTimer);
  runTimer = window.setTimeout(() => post({ type: 'run', settings: state.settings }), 120);
}

function renderControls(): void {
  const s = state.settings;
  const controls = $('controls');
  controls.replaceChildren(
    select(
      'method',
      'Method',
      PANEL_METHODS.map((m) => [m, m]),
      s.method,
      (v) => {
        state.settings = { ...state.settings, method: v };
        renderControls();
        rerun();
      },
    ),
  );
  if (summary && usesLayer(s.method)) {
    controls.append(
      select(
        'layer',
        'Layer',
        summary.camLayers.map((l) => [l, l === summary!.defaultLayer ? `${l} (default)` : l]),
        s.layer ?? summary.defaultLayer ?? '',
        (v) => {
          state.settings = { ...state.settings, layer: v === summary!.defaultLayer ? undefined : v };
          rerun();
        },
      ),
    );
  }
  if (summary && summary.outputs.length > 1) {
    controls.append(
      select(
        'output',
        'Output',
        summary.outputs.map((o, i) => [String(i), o.name]),
        String(s.output),
        (v) => {
          state.settings = { ...state.settings, output: Number(v), target: 'top' };
          renderControls();
          rerun();
        },
      ),
    );
  }
  const units = summary?.outputs[s.output]?.shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1) ?? 0;
  const targets: [string, string][] = [['top', 'Top class']];
  for (let i = 0; i < Math.min(units, 1000); i++) targets.push([String(i), summary?.labels?.[i] ? `${i}: ${summary.labels[i]}` : `class ${i}`]);
  controls.append(
    select('target', 'Target', targets, String(s.target), (v) => {
      state.settings = { ...state.settings, target: v === 'top' ? 'top' : Number(v) };
      rerun();
    }),
    select(
      'colormap',
      'Colormap',
      PANEL_COLORMAPS.map((c) => [c, c]),
      s.colormap,
      (v) => {
        state.settings = { ...state.settings, colormap: v };
        save();
        draw();
      },
    ),
  );
  const opacity = el('input', { id: 'opacity', type: 'range', min: '0', max: '1', step: '0.05', value: String(s.opacity), 'aria-label': 'Overlay opacity' });
  opacity.addEventListener('input', () => {
    state.settings = { ...state.settings, opacity: Number(opacity.value) };
    save();
    draw();
  });
  controls.append(el('div', { class: 'field' }, el('vscode-label', { for: 'opacity' }, 'Opacity'), opacity));
  for (const { key, spec } of numericParams(s.method)) {
    const current = (s.params as Record<string, number | undefined>)[key];
    const field = el('vscode-textfield', {
      id: `param-${key}`,
      type: 'number',
      placeholder: 'default',
      ...(current !== undefined ? { value: String(current) } : {}),
    });
    field.addEventListener('change', () => {
      const value = paramFromField((field as unknown as { value: string }).value, spec);
      const params = { ...state.settings.params } as Record<string, number | undefined>;
      if (value === undefined) delete params[key];
      else params[key] = value;
      state.settings = { ...state.settings, params };
      rerun();
    });
    controls.append(el('div', { class: 'field' }, el('vscode-label', { for: `param-${key}` }, spec.label), field));
  }
}

function renderSummary(): void {
  if (!summary) return;
  $('model-name').textContent = summary.path.split(/[\\/]/).slice(-2).join('/');
  $('model-meta').textContent =
    `${summary.format} · ${summary.totalParams.toLocaleString('en-US')} parameters · input ${summary.inputs.map((i) => `[${i.shape.map((d) => d ?? '?').join('×')}]`).join(', ')} · output ${summary.outputs.map((o) => `${o.name} [${o.shape.map((d) => d ?? '?').join('×')}]${o.softmax ? ' softmax' : ''}`).join(', ')}${summary.preprocessingLayers.length ? ` · preprocesses itself: ${summary.preprocessingLayers.join(', ')}` : ''}`;
  renderLayerTable();
}

function renderLayerTable(): void {
  if (!summary) return;
  const filter = ((($('layer-filter') as unknown as { value?: string }).value ?? '') as string).toLowerCase();
  const rows = summary.layers
    .map((l, index) => ({ ...l, index }))
    .filter((l) => !filter || l.name.toLowerCase().includes(filter) || l.type.toLowerCase().includes(filter));
  rows.sort((a, b) => {
    const va = a[sortKey];
    const vb = b[sortKey];
    const c = typeof va === 'number' ? va - (vb as number) : String(va).localeCompare(String(vb));
    return sortAsc ? c : -c;
  });
  const head = (key: typeof sortKey, label: string) => {
    const b = el('button', { class: 'sort', 'aria-label': `Sort by ${label}` }, `${label}${sortKey === key ? (sortAsc ? ' ▲' : ' ▼') : ''}`);
    b.addEventListener('click', () => {
      sortAsc = sortKey === key ? !sortAsc : true;
      sortKey = key;
      renderLayerTable();
    });
    return el('th', { scope: 'col' }, b);
  };
  const table = el(
    'table',
    { class: 'layers' },
    el(
      'thead',
      {},
      el('tr', {}, head('index', '#'), head('name', 'Layer'), head('type', 'Type'), el('th', { scope: 'col' }, 'Output shape'), head('params', 'Parameters')),
    ),
  );
  const body = el('tbody');
  for (const r of rows) {
    body.append(
      el(
        'tr',
        {},
        el('td', {}, String(r.index)),
        el('td', {}, r.name),
        el('td', {}, r.type),
        el('td', {}, `[${r.outputShape.map((d) => d ?? '?').join(', ')}]`),
        el('td', { class: 'num' }, r.params.toLocaleString('en-US')),
      ),
    );
  }
  table.append(body);
  $('layer-table').replaceChildren(
    table,
    el('p', { class: 'muted' }, `${rows.length} of ${summary.layers.length} layers · ${summary.totalParams.toLocaleString('en-US')} parameters in total`),
  );
}

function gridPixels(grid: MapGrid, colormap: string): ImageData {
  const lut = luts[colormap];
  const out = new ImageData(grid.width, grid.height);
  for (let p = 0; p < grid.width * grid.height; p++) {
    const k = Math.round(Math.min(1, Math.max(0, grid.values[p])) * 255) * 3;
    out.data.set([lut[k], lut[k + 1], lut[k + 2], 255], p * 4);
  }
  return out;
}

function draw(): void {
  if (!result || !luts.turbo) return;
  const s = state.settings;
  const colormap = result.signed && s.colormap === DEFAULT_COLORMAP ? SIGNED_COLORMAP : s.colormap;
  paint($('overlay') as HTMLCanvasElement, overlayPixels(result.picture, result.image.values, result.signed, luts[colormap], s.opacity));
  const { modelInput } = result;
  paint($('model-input') as HTMLCanvasElement, new ImageData(new Uint8ClampedArray(modelInput.rgba), modelInput.width, modelInput.height));
  paintColorbar($('colorbar') as HTMLCanvasElement, luts[colormap]);
  $('colorbar-labels').replaceChildren(...(result.signed ? ['−', '0', '+'] : ['low', 'high']).map((t) => el('span', {}, t)));
  const top = $('top');
  top.replaceChildren(
    ...result.top.map((p) => {
      const b = el(
        'vscode-button',
        { secondary: '', title: 'Explain this class' },
        `${p.label ?? `class ${p.index}`} — ${(100 * p.score).toFixed(1)}%${p.index === result!.target ? ' ◀ target' : ''}`,
      );
      b.addEventListener('click', () => {
        state.settings = { ...state.settings, target: p.index };
        renderControls();
        rerun();
      });
      return el('li', {}, b);
    }),
  );
  $('timing').textContent =
    `${result.method}${result.layers.length ? ` at ${result.layers.join(', ')}` : ''} · target ${result.target} · ${result.timeMs.toFixed(0)} ms on ${result.backend}`;
}

function renderRecent(): void {
  const list = $('recent');
  list.replaceChildren(
    ...recent.map((p) => {
      const b = el('button', { class: 'link', title: p }, p.split(/[\\/]/).pop() ?? p);
      b.addEventListener('click', () => post({ type: 'useImage', path: p }));
      return el('li', {}, b);
    }),
  );
}

function layout(): void {
  root.replaceChildren(
    el(
      'header',
      {},
      el('div', {}, el('h1', { id: 'model-name' }, 'Loading model…'), el('p', { id: 'model-meta', class: 'muted' })),
      el(
        'div',
        { class: 'actions' },
        el('vscode-button', { id: 'pick' }, 'Choose image…'),
        el('vscode-button', { id: 'export', secondary: '' }, 'Export PNG'),
        el('vscode-button', { id: 'copy', secondary: '' }, 'Copy JSON'),
      ),
    ),
    el('section', { id: 'controls', class: 'controls' }),
    el(
      'div',
      { class: 'busy' },
      el('vscode-progress-bar', { id: 'progress', hidden: '' }),
      el('span', { id: 'status', role: 'status' }),
      el('vscode-button', { id: 'cancel', secondary: '', hidden: '' }, 'Cancel'),
    ),
    el('p', { id: 'error', class: 'error', role: 'alert', hidden: '' }),
    el(
      'main',
      { class: 'views' },
      el(
        'figure',
        { id: 'drop', class: 'overlay' },
        el('canvas', { id: 'overlay', 'aria-label': 'Image with the explanation overlay' }),
        el('figcaption', { id: 'image-name', class: 'muted' }, 'Choose an image, or drop one here (hold Shift) from the explorer.'),
        el(
          'div',
          { class: 'colorbar' },
          el('canvas', { id: 'colorbar', 'aria-label': 'Colour bar' }),
          el('div', { id: 'colorbar-labels', class: 'colorbar-labels' }),
        ),
      ),
      el(
        'aside',
        {},
        el('h2', {}, 'Predictions'),
        el('ol', { id: 'top', class: 'top' }),
        el('p', { id: 'timing', class: 'muted' }),
        el('h2', {}, 'Input as the model sees it'),
        el('canvas', { id: 'model-input', class: 'model-input', 'aria-label': 'Preprocessed input' }),
        el('h2', {}, 'Recent images'),
        el('ul', { id: 'recent', class: 'recent' }),
      ),
    ),
    el(
      'section',
      {},
      el(
        'div',
        { class: 'strip-head' },
        el('h2', {}, 'Which layer?'),
        el('vscode-button', { id: 'preview', secondary: '' }, 'Preview Grad-CAM at every layer'),
        el('span', { id: 'strip-count', class: 'muted', 'aria-live': 'polite' }),
      ),
      el('div', { id: 'strip', class: 'strip' }),
    ),
    el(
      'section',
      {},
      el('h2', {}, 'Layers'),
      el('vscode-textfield', { id: 'layer-filter', placeholder: 'Filter by name or type', 'aria-label': 'Filter layers' }),
      el('div', { id: 'layer-table' }),
    ),
  );
  $('pick').addEventListener('click', () => post({ type: 'pickImage' }));
  $('cancel').addEventListener('click', () => post({ type: 'cancel' }));
  $('preview').addEventListener('click', () => {
    $('strip').replaceChildren();
    $('strip-count').textContent = '';
    post({ type: 'preview' });
  });
  $('export').addEventListener('click', () => {
    if (result) post({ type: 'exportPng', dataUrl: ($('overlay') as HTMLCanvasElement).toDataURL('image/png') });
  });
  $('copy').addEventListener('click', () => {
    if (!result) return;
    const { method, layers, target, top, timeMs, backend, params, output } = result;
    post({
      type: 'copyJson',
      json: JSON.stringify(
        {
          method,
          layer: layers.join(','),
          output,
          target,
          top,
          timeMs,
          backend,
          params: { ...params, colormap: state.settings.colormap, opacity: state.settings.opacity },
        },
        null,
        2,
      ),
    });
  });
  $('layer-filter').addEventListener('input', renderLayerTable);
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const uri = e.dataTransfer?.getData('text/uri-list') || e.dataTransfer?.getData('text/plain');
    if (uri) post({ type: 'dropUri', uri });
  });
}

function addPreview(p: LayerPreviewMessage): void {
  $('strip-count').textContent = `${p.index + 1} of ${p.total} layers`;
  const canvas = el('canvas', { 'aria-hidden': 'true' });
  paint(canvas, gridPixels(p.grid, DEFAULT_COLORMAP));
  const b = el('button', { class: 'thumb', title: `Use layer ${p.layer}`, 'aria-label': `Use layer ${p.layer}` }, canvas, el('span', {}, p.layer));
  if ((state.settings.layer ?? summary?.defaultLayer) === p.layer) b.classList.add('selected');
  b.addEventListener('click', () => {
    state.settings = { ...state.settings, method: usesLayer(state.settings.method) ? state.settings.method : DEFAULT_METHOD, layer: p.layer };
    document.querySelectorAll('.thumb.selected').forEach((t) => t.classList.remove('selected'));
    b.classList.add('selected');
    renderControls();
    rerun();
  });
  $('strip').append(b);
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  if (handleCommonMessage(msg)) return;
  switch (msg.type) {
    case 'init':
      summary = msg.summary;
      luts = msg.luts;
      recent = msg.recent;
      state = { ...msg.state, settings: { ...msg.state.settings, ...state.settings } };
      renderSummary();
      renderControls();
      renderRecent();
      if (state.imagePath) {
        $('image-name').textContent = state.imagePath;
        rerun();
      }
      break;
    case 'image':
      state = { ...state, imagePath: msg.imagePath };
      recent = msg.recent;
      $('image-name').textContent = msg.imagePath;
      $('strip').replaceChildren();
      renderRecent();
      rerun();
      break;
    case 'result':
      result = msg.result;
      $('error').hidden = true;
      draw();
      break;
    case 'preview':
      addPreview(msg.preview);
      break;
  }
});

layout();
post({ type: 'ready' });
