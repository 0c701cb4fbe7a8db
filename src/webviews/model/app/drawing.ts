// The model panel's pictures and tables: the overlay, the model's input, the colour bar, the predictions, the layer table and the layer strip.
import type { LayerPreviewMessage, MapGrid } from '../../../protocol/worker';
import { DEFAULT_METHOD, methodSpec, type MethodName } from '../../../core/explain/specs';
import { describeScore, SCORE_KIND_NOTES } from '../../../core/explain/scores';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../../../core/image/specs';
import { $, el, overlayPixels, paint, paintColorbar } from '../../shared/app/ui';
import { renderControls } from './controls';
import { usesLayer } from './params';
import { app, rerun } from './state';

const dims = (s: (number | null)[]): string => s.map((d) => d ?? '?').join('×');

export function renderSummary(): void {
  if (!app.summary) return;
  $('model-name').textContent = app.summary.path.split(/[\\/]/).slice(-2).join('/');
  $('model-meta').textContent =
    `${app.summary.format} · ${app.summary.totalParams.toLocaleString('en-US')} parameters · input ${app.summary.inputs.map((i) => (i.declaredShape ? `[${dims(i.declaredShape)}] NCHW, fed as [${dims(i.shape)}]` : `[${dims(i.shape)}]`)).join(', ')} · output ${app.summary.outputs.map((o) => `${o.name} [${o.shape.map((d) => d ?? '?').join('×')}]${o.softmax ? ' softmax' : ''}`).join(', ')}${app.summary.preprocessingLayers.length ? ` · preprocesses itself: ${app.summary.preprocessingLayers.join(', ')}` : ''}`;
  renderLayerTable();
}

export function renderLayerTable(): void {
  if (!app.summary) return;
  const filter = ((($('layer-filter') as unknown as { value?: string }).value ?? '') as string).toLowerCase();
  const rows = app.summary.layers
    .map((l, index) => ({ ...l, index }))
    .filter((l) => !filter || l.name.toLowerCase().includes(filter) || l.type.toLowerCase().includes(filter));
  rows.sort((a, b) => {
    const va = a[app.sortKey];
    const vb = b[app.sortKey];
    const c = typeof va === 'number' ? va - (vb as number) : String(va).localeCompare(String(vb));
    return app.sortAsc ? c : -c;
  });
  const head = (key: typeof app.sortKey, label: string) => {
    const b = el('button', { class: 'sort', 'aria-label': `Sort by ${label}` }, `${label}${app.sortKey === key ? (app.sortAsc ? ' ▲' : ' ▼') : ''}`);
    b.addEventListener('click', () => {
      app.sortAsc = app.sortKey === key ? !app.sortAsc : true;
      app.sortKey = key;
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
    el(
      'p',
      { class: 'muted' },
      `${rows.length} of ${app.summary.layers.length} layers · ${app.summary.totalParams.toLocaleString('en-US')} parameters in total`,
    ),
  );
}

export function gridPixels(grid: MapGrid, colormap: string): ImageData {
  const lut = app.luts[colormap];
  const out = new ImageData(grid.width, grid.height);
  for (let p = 0; p < grid.width * grid.height; p++) {
    const k = Math.round(Math.min(1, Math.max(0, grid.values[p])) * 255) * 3;
    out.data.set([lut[k], lut[k + 1], lut[k + 2], 255], p * 4);
  }
  return out;
}

export function draw(): void {
  if (!app.result || !app.luts.turbo) return;
  const s = app.state.settings;
  const colormap = app.result.signed && s.colormap === DEFAULT_COLORMAP ? SIGNED_COLORMAP : s.colormap;
  paint($('overlay') as HTMLCanvasElement, overlayPixels(app.result.picture, app.result.image.values, app.result.signed, app.luts[colormap], s.opacity));
  const { modelInput } = app.result;
  paint($('model-input') as HTMLCanvasElement, new ImageData(new Uint8ClampedArray(modelInput.rgba), modelInput.width, modelInput.height));
  paintColorbar($('colorbar') as HTMLCanvasElement, app.luts[colormap]);
  $('colorbar-labels').replaceChildren(...(app.result.signed ? ['−', '0', '+'] : ['low', 'high']).map((t) => el('span', {}, t)));
  const top = $('top');
  top.replaceChildren(
    ...app.result.top.map((p) => {
      const b = el(
        'vscode-button',
        { secondary: '', title: 'Explain this class' },
        `${p.label ?? `class ${p.index}`} — ${describeScore(app.result!.scoreKind, p.score, p.probability, app.result!.units)}${p.index === app.result!.target ? ' ◀ target' : ''}`,
      );
      b.addEventListener('click', () => {
        app.state.settings = { ...app.state.settings, target: p.index };
        renderControls();
        rerun();
      });
      return el('li', {}, b);
    }),
  );
  $('score-kind').textContent = SCORE_KIND_NOTES[app.result.scoreKind](app.result.units);
  $('timing').textContent =
    `${methodSpec(app.result.method as MethodName)?.title ?? app.result.method}${app.result.layers.length ? ` at ${app.result.layers.join(', ')}` : ''} · target ${app.result.target} · ${app.result.timeMs.toFixed(0)} ms on ${app.result.backend}`;
}

export function addPreview(p: LayerPreviewMessage): void {
  $('strip-count').textContent = `${p.index + 1} of ${p.total} layers`;
  const canvas = el('canvas', { 'aria-hidden': 'true' });
  paint(canvas, gridPixels(p.grid, DEFAULT_COLORMAP));
  const b = el('button', { class: 'thumb', title: `Use layer ${p.layer}`, 'aria-label': `Use layer ${p.layer}` }, canvas, el('span', {}, p.layer));
  if ((app.state.settings.layer ?? app.summary?.defaultLayer) === p.layer) b.classList.add('selected');
  b.addEventListener('click', () => {
    app.state.settings = { ...app.state.settings, method: usesLayer(app.state.settings.method) ? app.state.settings.method : DEFAULT_METHOD, layer: p.layer };
    document.querySelectorAll('.thumb.selected').forEach((t) => t.classList.remove('selected'));
    b.classList.add('selected');
    renderControls();
    rerun();
  });
  $('strip').append(b);
}
