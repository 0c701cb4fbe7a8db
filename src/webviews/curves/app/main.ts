// The curves panel: one chart per tag group, runs overlaid, smoothing, axes, zoom, live appends.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { $, el } from '../../shared/app/ui';
import { controls } from './controls';
import { render } from './drawing';
import { renderRuns } from './legend';
import { listen } from './messages';
import { post } from './state';

function layout(): void {
  const addRuns = el('vscode-button', { id: 'add-runs', secondary: '', title: 'Choose the runs to overlay' }, 'Choose runs…');
  addRuns.addEventListener('click', () => post({ type: 'addRuns' }));
  const csv = el('vscode-button', { id: 'export-csv', secondary: '' }, 'Export CSV');
  csv.addEventListener('click', () => post({ type: 'exportCsv' }));
  $('app').replaceChildren(
    el('header', {}, el('div', {}, el('h1', {}, 'Training curves'), el('div', { id: 'runs', class: 'runs' })), el('div', { class: 'actions' }, addRuns, csv)),
    el('div', { id: 'error', class: 'error', role: 'alert', hidden: '' }),
    controls(),
    el('div', { id: 'hparams', class: 'hparams-box', hidden: '' }),
    el('div', { id: 'charts', class: 'charts' }),
  );
  renderRuns(render);
}

listen();
// A colour theme change swaps the body's class and the CSS variables the charts were drawn with.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

layout();
render();
post({ type: 'ready' });
