// The model panel's browser side: vscode-elements controls, canvases, messages to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { $, busyRow, el, select } from '../../shared/app/ui';
import { renderLayerTable } from './drawing';
import { listen } from './messages';
import { metricsSection } from './metrics';
import { app, post, save } from './state';

/** Export PNG's size (the image's, at least 512 and at most 2048; or a chosen long side) and colour bar. */
function exportOptions(): HTMLElement {
  const s = app.state.settings;
  const size = select(
    'export-size',
    'Export size',
    [
      ['auto', 'Image size (512–2048)'],
      ['512', '512 px'],
      ['1024', '1024 px'],
      ['2048', '2048 px'],
    ],
    s.exportSize ? String(s.exportSize) : 'auto',
    (v) => {
      app.state.settings = { ...app.state.settings, exportSize: v === 'auto' ? undefined : Number(v) };
      save();
    },
  );
  const bar = el('vscode-checkbox', { id: 'export-colorbar', label: 'Colour bar', ...(s.exportColorbar ? { checked: '' } : {}) });
  bar.addEventListener('change', () => {
    app.state.settings = { ...app.state.settings, exportColorbar: (bar as unknown as { checked: boolean }).checked || undefined };
    save();
  });
  return el('div', { class: 'export-options' }, size, bar);
}

function layout(): void {
  app.root.replaceChildren(
    el(
      'header',
      {},
      el('div', {}, el('h1', { id: 'model-name' }, 'Loading model…'), el('p', { id: 'model-meta', class: 'muted' })),
      el(
        'div',
        { class: 'actions' },
        el('vscode-button', { id: 'pick' }, 'Choose image…'),
        el('vscode-button', { id: 'export', secondary: '', title: 'Save the overlay as PNG (the same picture as model-lens explain --out)' }, 'Export PNG'),
        exportOptions(),
        el('vscode-button', { id: 'copy', secondary: '' }, 'Copy JSON'),
      ),
    ),
    el('section', { id: 'controls', class: 'controls' }),
    ...busyRow(),
    el(
      'main',
      { class: 'views' },
      el(
        'figure',
        { id: 'drop', class: 'overlay result-view' },
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
        el('p', { id: 'score-kind', class: 'muted' }),
        el('p', { id: 'timing', class: 'muted' }),
        el('h2', {}, 'Model input'),
        el('canvas', { id: 'model-input', class: 'model-input', 'aria-label': 'The input as the model sees it' }),
        el('ul', { id: 'input-notes', class: 'input-notes', 'aria-live': 'polite' }),
        el('div', { id: 'input-controls', class: 'input-controls', role: 'group', 'aria-label': 'Preprocessing' }),
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
    metricsSection(),
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
    if (app.result) post({ type: 'exportPng' });
  });
  $('copy').addEventListener('click', () => {
    if (!app.result) return;
    const { method, layers, target, top, timeMs, backend, params, output } = app.result;
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
          params: { ...params, colormap: app.state.settings.colormap, opacity: app.state.settings.opacity },
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

layout();
listen();
post({ type: 'ready' });
