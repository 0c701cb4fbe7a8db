// The compare panel's browser side: every model's map of one image side by side, the metrics table over
// a folder, and the knowledge-points view; vscode-elements controls, messages to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import { METHOD_SPECS } from '../../../core/explain/specs';
import { $, busyRow, clearStale, COMMON_HANDLERS, el, listenTo, select, showError } from '../../shared/app/ui';
import { COMPARE_PANEL_METHODS, type ToCompareWebview } from '../protocol';
import { drawFolder, drawImageResult, drawKnowledge, renderCheckpoints, setLut } from './views';
import { app, post, save } from './state';

const baseName = (p: string | undefined): string => (p ? (p.split(/[\\/]/).pop() ?? p) : '');

function sendSettings(): void {
  post({ type: 'settings', method: app.state.method, knowledge: app.state.knowledge });
  save();
}

function numberField(id: string, label: string, value: number, lo: number, hi: number, apply: (v: number) => void): HTMLElement {
  const f = el('vscode-textfield', { id, type: 'number', value: String(value), min: String(lo), max: String(hi), 'aria-label': label });
  f.addEventListener('change', () => {
    const v = Number((f as unknown as { value: string }).value);
    const ok = Number.isInteger(v) && v >= lo && v <= hi;
    $(`${id}-error`).textContent = ok ? '' : `${label}: a whole number from ${lo} to ${hi}`;
    if (ok) {
      apply(v);
      sendSettings();
    }
  });
  return el('div', { class: 'field' }, el('vscode-label', { for: id }, label), f, el('span', { id: `${id}-error`, class: 'field-error', role: 'alert' }));
}

function renderHeader(): void {
  $('models').replaceChildren(
    ...app.names.map((n, i) => el('li', {}, el('strong', {}, `m${i + 1}`), ` ${n}`, i === 0 ? el('span', { class: 'muted' }, ' (reference)') : '')),
  );
  $('image-name').textContent = app.state.image ? `Image: ${baseName(app.state.image)}` : 'Choose an image: every model explains it.';
  $('folder-name').textContent = app.state.folder
    ? `Folder: ${app.state.folder}${app.state.boxes ? ` · boxes: ${baseName(app.state.boxes)}` : ' · no boxes (pointing game and knowledge points need them)'}`
    : 'Choose a folder of images (class sub-folders give the truth).';
  ($('run-folder') as HTMLButtonElement).disabled = !app.state.folder;
  ($('run-knowledge') as HTMLButtonElement).disabled = !app.state.folder;
  renderCheckpoints();
}

function layout(): void {
  const methods = METHOD_SPECS.filter((m) => (COMPARE_PANEL_METHODS as readonly string[]).includes(m.name)).map((m) => [m.name, m.title] as [string, string]);
  app.root.replaceChildren(
    el(
      'header',
      {},
      el('div', {}, el('h1', {}, 'Compare models'), el('ol', { id: 'models', class: 'model-list' })),
      el(
        'div',
        { class: 'actions' },
        el('vscode-button', { id: 'pick-image' }, 'Image…'),
        el('vscode-button', { id: 'pick-folder', secondary: '' }, 'Folder…'),
        el('vscode-button', { id: 'pick-boxes', secondary: '' }, 'Boxes…'),
      ),
    ),
    el(
      'section',
      { class: 'controls' },
      select('method', 'Method', methods, app.state.method, (v) => {
        app.state.method = v;
        sendSettings();
        if (app.state.image) post({ type: 'runImage' });
      }),
    ),
    ...busyRow(),
    el(
      'section',
      { id: 'side' },
      el('h2', {}, 'Side by side'),
      el('p', { id: 'image-name', class: 'muted' }),
      el('div', { id: 'cards', class: 'compare-cards' }),
      el('table', { id: 'similarity', class: 'hparams', hidden: '' }),
      el('p', { id: 'timing', class: 'muted' }),
    ),
    el(
      'section',
      { id: 'folder' },
      el('h2', {}, 'Over a folder'),
      el('p', { id: 'folder-name', class: 'muted' }),
      el('div', { class: 'actions' }, el('vscode-button', { id: 'run-folder' }, 'Compute the metrics')),
      el('p', { id: 'folder-summary', class: 'muted' }),
      el('table', { id: 'models-table', class: 'hparams', hidden: '' }),
      el('table', { id: 'pairs-table', class: 'hparams', hidden: '' }),
      el('h3', { id: 'disagree-title', hidden: '' }, 'Where the models disagree most'),
      el('ol', { id: 'disagree', class: 'disagree' }),
    ),
    el(
      'section',
      { id: 'knowledge' },
      el('h2', {}, 'Knowledge points'),
      el(
        'p',
        { class: 'muted' },
        'Cells of a 16×16 grid where the model cannot bear noise (entropy of the learned noise well below the background’s): ' +
          'N_fg in the object’s box, N_bg outside, λ_fg = N_fg / (N_fg + N_bg). The panel starts lighter than the CLI (300 steps × 16 samples).',
      ),
      el(
        'div',
        { class: 'controls' },
        numberField('k-steps', 'Steps', app.state.knowledge.steps, 1, 10_000, (v) => (app.state.knowledge.steps = v)),
        numberField('k-samples', 'Samples per step', app.state.knowledge.samples, 1, 1024, (v) => (app.state.knowledge.samples = v)),
        numberField('k-images', 'Images (at most)', app.state.knowledge.maxImages, 1, 10_000, (v) => (app.state.knowledge.maxImages = v)),
      ),
      el('ul', { id: 'checkpoints', class: 'checkpoints' }),
      el('div', { class: 'actions' }, el('vscode-button', { id: 'run-knowledge' }, 'Find the knowledge points')),
      el('div', { id: 'knowledge-pick', class: 'controls' }),
      el('p', { id: 'knowledge-summary', class: 'muted' }),
      el('div', { id: 'knowledge-cards', class: 'compare-cards' }),
      el('div', { class: 'nfg-chart', id: 'nfg-box', hidden: '' }, el('canvas', { id: 'nfg-chart', role: 'img', 'aria-label': 'N_fg per epoch' })),
    ),
  );
  $('pick-image').addEventListener('click', () => post({ type: 'pick', what: 'image' }));
  $('pick-folder').addEventListener('click', () => post({ type: 'pick', what: 'folder' }));
  $('pick-boxes').addEventListener('click', () => post({ type: 'pick', what: 'boxes' }));
  $('run-folder').addEventListener('click', () => post({ type: 'runFolder' }));
  $('run-knowledge').addEventListener('click', () => {
    app.results.knowledge = undefined;
    post({ type: 'runKnowledge' });
  });
  $('cancel').addEventListener('click', () => post({ type: 'cancel' }));
}

function drawAll(): void {
  renderHeader();
  drawImageResult();
  drawFolder();
  drawKnowledge();
}

listenTo<ToCompareWebview>({
  ...COMMON_HANDLERS,
  error: (msg) => showError(msg.message),
  init: (msg) => {
    app.names = msg.names;
    setLut(msg.lut);
    const image = app.state.image;
    app.state = { ...msg.state, method: app.state.method ?? msg.state.method, knowledge: { ...msg.state.knowledge, ...app.state.knowledge } };
    sendSettings();
    drawAll();
    // A saved result of this image is shown as it is; otherwise every model explains it.
    if (app.state.image && !(app.results.image && app.results.image.image === image && app.results.image.method === app.state.method))
      post({ type: 'runImage' });
  },
  state: (msg) => {
    const imageChanged = msg.state.image !== app.state.image;
    app.state = { ...app.state, image: msg.state.image, folder: msg.state.folder, boxes: msg.state.boxes, checkpoints: msg.state.checkpoints };
    save();
    renderHeader();
    if (imageChanged && app.state.image) post({ type: 'runImage' });
  },
  imageResult: (msg) => {
    clearStale();
    $('error').hidden = true;
    app.results.image = msg;
    save();
    drawImageResult();
  },
  folderResult: (msg) => {
    $('error').hidden = true;
    app.results.folder = msg;
    save();
    drawFolder();
  },
  knowledgeResult: (msg) => {
    $('error').hidden = true;
    const k =
      app.results.knowledge?.folder === msg.folder
        ? app.results.knowledge
        : { folder: msg.folder, models: app.state.models.map(() => null), pictures: {} as Record<string, string> };
    k.models[msg.model] = msg.result;
    Object.assign(k.pictures, msg.pictures);
    app.results.knowledge = k;
    save();
    drawKnowledge();
  },
});

layout();
renderHeader();
// A theme change: the chart's colours are read from the theme when it is drawn, so it is drawn again.
new MutationObserver(() => drawKnowledge()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
post({ type: 'ready' });
