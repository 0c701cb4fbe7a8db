// The pair panel's browser side: vscode-elements controls, two canvases, messages to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { $, busyRow, el } from '../../shared/app/ui';
import { draw, onCanvasClick } from './drawing';
import { listen } from './messages';
import { app, post } from './state';

function layout(): void {
  const figure = (view: 'a' | 'b', title: string) =>
    el(
      'figure',
      { class: 'overlay result-view' },
      el('h2', {}, title),
      el('canvas', {
        id: `overlay-${view}`,
        class: 'pair-canvas',
        tabindex: '0',
        'aria-label': `View ${view.toUpperCase()} with its map; click a patch to occlude it`,
      }),
      el('figcaption', { id: `image-${view}`, class: 'muted' }),
      el('p', { id: `metrics-${view}`, class: 'muted' }),
      el('canvas', { id: `metrics-curve-${view}`, class: 'metrics-curve', width: '320', height: '140', hidden: '', role: 'img' }),
    );
  app.root.replaceChildren(
    el(
      'header',
      {},
      el('div', {}, el('h1', { id: 'model-name' }, 'Loading encoder…'), el('p', { id: 'similarity', class: 'muted' }, 'Choose the first view.')),
      el(
        'div',
        { class: 'actions' },
        el('vscode-button', { id: 'pick-a' }, 'View A…'),
        el('vscode-button', { id: 'pick-b', secondary: '' }, 'View B…'),
        el('vscode-button', { id: 'export', secondary: '' }, 'Export PNG'),
        el('vscode-button', { id: 'copy', secondary: '' }, 'Copy JSON'),
      ),
    ),
    el('section', { id: 'controls', class: 'controls' }),
    ...busyRow(),
    el(
      'p',
      { id: 'probe-note', class: 'probe', hidden: '' },
      el('span', { id: 'probe-text' }),
      ' ',
      el('vscode-button', { id: 'probe-clear', secondary: '' }, 'Show the full result'),
    ),
    el('main', { class: 'views' }, figure('a', 'View A'), figure('b', 'View B')),
    el(
      'div',
      { class: 'colorbar' },
      el('canvas', { id: 'colorbar', 'aria-label': 'Colour bar' }),
      el('div', { id: 'colorbar-labels', class: 'colorbar-labels' }),
    ),
    el('p', { id: 'timing', class: 'muted' }),
    el('p', { class: 'muted' }, 'Click a patch of one view (or focus it and press Enter for its centre) to see both maps with that patch occluded.'),
  );
  $('pick-a').addEventListener('click', () => post({ type: 'pickImage', which: 'a' }));
  $('pick-b').addEventListener('click', () => post({ type: 'pickImage', which: 'b' }));
  $('cancel').addEventListener('click', () => post({ type: 'cancel' }));
  $('probe-clear').addEventListener('click', () => {
    app.probe = undefined;
    app.result = app.main;
    draw();
  });
  for (const view of ['a', 'b'] as const) {
    const c = $(`overlay-${view}`);
    c.addEventListener('click', (e) => onCanvasClick(view, e as MouseEvent));
    c.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key !== 'Enter' || !app.main) return;
      const r = c.getBoundingClientRect();
      onCanvasClick(view, { currentTarget: c, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 } as unknown as MouseEvent);
    });
  }
  $('export').addEventListener('click', () => {
    if (!app.result) return;
    const a = $('overlay-a') as HTMLCanvasElement;
    const b = $('overlay-b') as HTMLCanvasElement;
    const both = document.createElement('canvas');
    both.width = a.width + b.width;
    both.height = Math.max(a.height, b.height);
    const ctx = both.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, both.width, both.height);
    ctx.drawImage(a, 0, 0);
    ctx.drawImage(b, a.width, 0);
    post({ type: 'exportPng', dataUrl: both.toDataURL('image/png') });
  });
  $('copy').addEventListener('click', () => {
    if (!app.result) return;
    const { method, similarity, embedding, layer, base, timeMs, backend, params } = app.result;
    const metrics = { a: app.result.a.metrics ?? null, b: app.result.b.metrics ?? null };
    post({
      type: 'copyJson',
      json: JSON.stringify(
        {
          method,
          similarity,
          embedding,
          layer: layer ?? null,
          base,
          timeMs,
          backend,
          probe: app.probe ?? null,
          metrics,
          params: { ...params, colormap: app.state.settings.colormap, opacity: app.state.settings.opacity },
        },
        null,
        2,
      ),
    });
  });
}

layout();
listen();
post({ type: 'ready' });
