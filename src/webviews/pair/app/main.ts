// The pair panel's browser side: two views side by side with their maps, the similarity, method and
// parameter controls; a click on a view asks how occluding that patch changes the other view's map.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { MapGrid, PairResultMessage } from '../../../protocol/worker';
import {
  ASSIGN_TITLES,
  ASSIGNS,
  isPairMethod,
  JOINT_TITLES,
  pairMethodSpec,
  SIMILARITY_TITLES,
  TRANSFORM_TITLES,
  type Assign,
  type Joint,
  type PairParamName,
  type Similarity,
  type TransformName,
} from '../../../core/explain/pair/specs';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../../../core/image/specs';
import { PAIR_PANEL_COLORMAPS, PAIR_PANEL_METHODS, type FromPairWebview, type PairModelInfo, type PairPanelState, type ToPairWebview } from '../protocol';

import { $, el, handleCommonMessage, overlayPixels, paint, paintColorbar, select, showError } from '../../shared/app/ui';
declare function acquireVsCodeApi(): { postMessage(m: FromPairWebview): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const root = document.getElementById('app')!;
let state: PairPanelState = (vscode.getState() as PairPanelState | undefined) ?? JSON.parse(root.dataset.state!);
let model: PairModelInfo | undefined;
let luts: Record<string, number[]> = {};
let result: PairResultMessage | undefined;
/** The last full result, shown again when a probe is cleared. */
let main: PairResultMessage | undefined;
let probe: { view: 'a' | 'b'; top: number; left: number } | undefined;

const spec = (method: string) => (isPairMethod(method) ? pairMethodSpec(method) : undefined);
const titled = <T extends string>(titles: Record<T, string>): [string, string][] => Object.entries<string>(titles).map(([k, t]) => [k, t]);
const post = (m: FromPairWebview) => vscode.postMessage(m);
const save = () => vscode.setState(state);

/**
 * A number field; empty or out of range = the default (undefined). Integers at least `min` by
 * default; with `decimal`, any number above 0 up to 100 (pairwise's temperature, as the host validates).
 */
function numberField(id: string, label: string, value: number | undefined, onChange: (v: number | undefined) => void, min = 1, decimal = false): HTMLElement {
  const f = el('vscode-textfield', {
    id,
    type: 'number',
    placeholder: decimal ? 'default (1)' : 'default',
    ...(decimal ? { step: 'any' } : {}),
    ...(value !== undefined ? { value: String(value) } : {}),
  });
  f.addEventListener('change', () => {
    const raw = (f as unknown as { value: string }).value.trim();
    const n = decimal ? Number(raw) : Math.round(Number(raw));
    const ok = raw !== '' && Number.isFinite(n) && (decimal ? n > 0 && n <= 100 : n >= min);
    onChange(ok ? n : undefined);
  });
  return el('div', { class: 'field' }, el('vscode-label', { for: id }, label), f);
}

let runTimer: number | undefined;
function rerun(): void {
  save();
  probe = undefined;
  if (!state.imageA) return;
  window.clearTimeout(runTimer);
  runTimer = window.setTimeout(() => post({ type: 'run', state: { second: state.second, settings: state.settings } }), 150);
}

function set(change: Partial<PairPanelState['settings']>, render = false): void {
  state.settings = { ...state.settings, ...change };
  if (render) renderControls();
  rerun();
}

/** What the colour scale means: conditional maps are b − S (hiding the patch lowers the similarity), context-agnostic maps are S itself. */
function colorbarLabels(result: PairResultMessage): string[] {
  if (!result.signed) return ['low', 'high'];
  return [...(spec(result.method)?.legend ?? [])];
}

/** Pairwise occlusion: how many trials carry the weight; near all of them means the map mostly shows where the erasures fell. */
function trialsNote(result: PairResultMessage): string {
  const n = Number(result.params.trials);
  const eff = Number(result.params.effectiveTrials);
  if (!spec(result.method)?.trials || !Number.isFinite(n) || !Number.isFinite(eff)) return '';
  return ` · ${eff.toFixed(0)} of ${n} trials effective${eff > 0.9 * n ? ' (nearly uniform weights: the map is mostly where erasures fell; try a lower temperature)' : ''}`;
}

/** The control of one pair-method option. */
function paramControls(param: PairParamName): HTMLElement[] {
  const s = state.settings;
  switch (param) {
    case 'window':
      return [numberField('param-window', 'Window', s.window, (v) => set({ window: v }))];
    case 'stride':
      return [numberField('param-stride', 'Stride', s.stride, (v) => set({ stride: v }))];
    case 'samples':
      return [numberField('param-samples', 'Trials', s.samples, (v) => set({ samples: v }))];
    case 'temperature':
      return [numberField('param-temperature', 'Temperature', s.temperature, (v) => set({ temperature: v }), 0, true)];
    case 'assign':
      return [select('assign', 'Trial weight to', titled(ASSIGN_TITLES), s.assign ?? ASSIGNS[0], (v) => set({ assign: v as Assign }))];
    case 'joint':
      return [select('joint', 'Joint weight', titled(JOINT_TITLES), s.joint, (v) => set({ joint: v as Joint }))];
    case 'transform':
      return [select('transform', 'Transform', titled(TRANSFORM_TITLES), s.transform, (v) => set({ transform: v as TransformName }))];
    case 'seed':
    case 'batchSize':
      return [];
  }
}

function renderControls(): void {
  const s = state.settings;
  const c = $('controls');
  c.replaceChildren(
    select(
      'method',
      'Method',
      PAIR_PANEL_METHODS.map((m) => [m, m]),
      s.method,
      (v) => set({ method: v }, true),
    ),
    select('similarity', 'Similarity', titled(SIMILARITY_TITLES), s.similarity, (v) => set({ similarity: v as Similarity }, false)),
  );
  if (model) {
    const embeddings: [string, string][] = [
      ['', `${model.outputs[0]} (output)`],
      ...model.outputs.slice(1).map((o): [string, string] => [o, `${o} (output)`]),
      ...model.layers.filter((l) => !model!.outputs.includes(l)).map((l): [string, string] => [l, l]),
    ];
    c.append(select('embedding', 'Embedding', embeddings, s.embedding ?? '', (v) => set({ embedding: v || undefined })));
    if (spec(s.method)?.layer) {
      c.append(
        select(
          'layer',
          'Feature layer',
          model.camLayers.map((l) => [l, l === model!.defaultLayer ? `${l} (default)` : l]),
          s.layer ?? model.defaultLayer ?? '',
          (v) => set({ layer: v === model!.defaultLayer ? undefined : v }),
        ),
      );
    }
  }
  const secondKind = select(
    'second-kind',
    'Second view',
    [
      ['augment', 'augmentation of the first'],
      ['image', 'another image'],
    ],
    state.second.kind,
    (v) => {
      state.second = v === 'image' ? { kind: 'image' } : { kind: 'augment', spec: 'crop=0.6,flip,jitter=0.4' };
      renderControls();
      rerun();
    },
  );
  c.append(secondKind);
  if (state.second.kind === 'augment') {
    const f = el('vscode-textfield', { id: 'augment', value: state.second.spec, 'aria-label': 'Augmentations of the first view' });
    f.addEventListener('change', () => {
      const spec = (f as unknown as { value: string }).value.trim().toLowerCase();
      if (!/^[a-z0-9.=, ]{1,200}$/.test(spec))
        return showError(`"${spec}" is not an augmentation list: use crop=S, flip, jitter=S, gray, blur=SIGMA, solarize=T, rotate=DEG.`);
      state.second = { kind: 'augment', spec };
      rerun();
    });
    c.append(el('div', { class: 'field wide' }, el('vscode-label', { for: 'augment' }, 'Augment'), f));
  }
  // The method's own options, in its spec's order (the seed, shared by all, comes last; batch size is not offered here).
  for (const param of spec(s.method)?.params ?? []) c.append(...paramControls(param));
  c.append(
    numberField('param-seed', 'Seed', s.seed, (v) => set({ seed: v ?? 0 }), 0),
    select(
      'colormap',
      'Colormap',
      PAIR_PANEL_COLORMAPS.map((m) => [m, m]),
      s.colormap,
      (v) => {
        state.settings = { ...state.settings, colormap: v };
        save();
        draw();
      },
    ),
  );
  const opacity = el('input', {
    id: 'opacity',
    type: 'range',
    min: '0',
    max: '1',
    step: '0.05',
    value: String(s.opacity),
    'aria-label': 'Overlay opacity',
  }) as HTMLInputElement;
  opacity.addEventListener('input', () => {
    state.settings = { ...state.settings, opacity: Number(opacity.value) };
    save();
    draw();
  });
  c.append(el('div', { class: 'field' }, el('vscode-label', { for: 'opacity' }, 'Opacity'), opacity));
  const metrics = el('vscode-checkbox', { id: 'metrics', label: 'Deletion / insertion', ...(s.metrics ? { checked: '' } : {}) });
  metrics.addEventListener('change', () => set({ metrics: (metrics as unknown as { checked: boolean }).checked }));
  c.append(el('div', { class: 'field' }, el('vscode-label', {}, 'Metrics'), metrics));
}

function colormapFor(r: PairResultMessage): string {
  return r.signed && state.settings.colormap === DEFAULT_COLORMAP ? SIGNED_COLORMAP : state.settings.colormap;
}

function draw(): void {
  if (!result || !luts.turbo) return;
  const cmap = colormapFor(result);
  for (const view of ['a', 'b'] as const)
    paint(
      $(`overlay-${view}`) as HTMLCanvasElement,
      overlayPixels(result[view].picture, result[view].image.values, result.signed, luts[cmap], state.settings.opacity),
    );
  if (probe) {
    // The occluded window on the clicked view.
    const w = Number(result.params.window ?? 0);
    const canvas = $(`overlay-${probe.view}`) as HTMLCanvasElement;
    const sx = canvas.width / result.inputSize.width;
    const sy = canvas.height / result.inputSize.height;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = 'rgba(0,0,0,0.75)';
    ctx.fillRect(probe.left * sx, probe.top * sy, w * sx, w * sy);
  }
  paintColorbar($('colorbar') as HTMLCanvasElement, luts[cmap]);
  $('colorbar-labels').replaceChildren(...colorbarLabels(result).map((t) => el('span', {}, t)));
  $('similarity').textContent =
    `${result.similarity} similarity ${result.base.toFixed(4)} · embedding ${result.embedding}${result.layer ? ` · features ${result.layer}` : ''}`;
  $('timing').textContent = `${result.method}${trialsNote(result)} · ${result.timeMs.toFixed(0)} ms on ${result.backend}`;
  for (const view of ['a', 'b'] as const) {
    const m = result[view].metrics;
    $(`metrics-${view}`).textContent = m ? `deletion AUC ${m.deletion.auc.toFixed(3)} · insertion AUC ${m.insertion.auc.toFixed(3)}` : '';
  }
  $('probe-note').hidden = !probe;
  if (probe)
    $('probe-text').textContent =
      `Showing the maps with view ${probe.view.toUpperCase()} occluded at (${probe.left}, ${probe.top}): compare view ${probe.view === 'a' ? 'B' : 'A'} with the full result.`;
}

/** A partial map (window resolution) drawn over the view while the job runs. */
function drawPartial(view: 'a' | 'b', grid: MapGrid): void {
  if (!result || !luts.turbo) return;
  const canvas = $(`overlay-${view}`) as HTMLCanvasElement;
  const pic = result[view].picture;
  paint(canvas, new ImageData(new Uint8ClampedArray(pic.rgba), pic.width, pic.height));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grid.values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const lut = luts[state.settings.colormap];
  const small = new ImageData(grid.width, grid.height);
  for (let p = 0; p < grid.width * grid.height; p++) {
    const k = Math.round((hi > lo ? (grid.values[p] - lo) / (hi - lo) : 0) * 255) * 3;
    small.data.set([lut[k], lut[k + 1], lut[k + 2], 255], p * 4);
  }
  const tmp = document.createElement('canvas');
  paint(tmp, small);
  const ctx = canvas.getContext('2d')!;
  ctx.globalAlpha = state.settings.opacity;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  ctx.globalAlpha = 1;
}

function renderNames(): void {
  $('image-a').textContent = state.imageA ?? 'Choose the first view.';
  $('image-b').textContent =
    state.second.kind === 'augment' ? `augmented: ${state.second.spec} (seed ${state.settings.seed})` : (state.second.path ?? 'Choose the second view.');
}

function onCanvasClick(view: 'a' | 'b', e: MouseEvent): void {
  if (!main || !result) return;
  const canvas = e.currentTarget as HTMLCanvasElement;
  const rect = canvas.getBoundingClientRect();
  const w = Number(main.params.window ?? Math.max(1, Math.round((64 * Math.min(main.inputSize.width, main.inputSize.height)) / 224)));
  const x = ((e.clientX - rect.left) / rect.width) * main.inputSize.width;
  const y = ((e.clientY - rect.top) / rect.height) * main.inputSize.height;
  const clamp = (v: number, size: number) => Math.max(0, Math.min(size - w, Math.round(v - w / 2)));
  post({ type: 'probe', view, top: clamp(y, main.inputSize.height), left: clamp(x, main.inputSize.width) });
}

function layout(): void {
  const figure = (view: 'a' | 'b', title: string) =>
    el(
      'figure',
      { class: 'overlay' },
      el('h2', {}, title),
      el('canvas', {
        id: `overlay-${view}`,
        class: 'pair-canvas',
        tabindex: '0',
        'aria-label': `View ${view.toUpperCase()} with its map; click a patch to occlude it`,
      }),
      el('figcaption', { id: `image-${view}`, class: 'muted' }),
      el('p', { id: `metrics-${view}`, class: 'muted' }),
    );
  root.replaceChildren(
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
    el(
      'div',
      { class: 'busy' },
      el('vscode-progress-bar', { id: 'progress', hidden: '' }),
      el('span', { id: 'status', role: 'status' }),
      el('vscode-button', { id: 'cancel', secondary: '', hidden: '' }, 'Cancel'),
    ),
    el('p', { id: 'error', class: 'error', role: 'alert', hidden: '' }),
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
    probe = undefined;
    result = main;
    draw();
  });
  for (const view of ['a', 'b'] as const) {
    const c = $(`overlay-${view}`);
    c.addEventListener('click', (e) => onCanvasClick(view, e as MouseEvent));
    c.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key !== 'Enter' || !main) return;
      const r = c.getBoundingClientRect();
      onCanvasClick(view, { currentTarget: c, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 } as unknown as MouseEvent);
    });
  }
  $('export').addEventListener('click', () => {
    if (!result) return;
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
    if (!result) return;
    const { method, similarity, embedding, layer, base, timeMs, backend, params } = result;
    const metrics = { a: result.a.metrics ?? null, b: result.b.metrics ?? null };
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
          probe: probe ?? null,
          metrics,
          params: { ...params, colormap: state.settings.colormap, opacity: state.settings.opacity },
        },
        null,
        2,
      ),
    });
  });
}

window.addEventListener('message', (event: MessageEvent<ToPairWebview>) => {
  const msg = event.data;
  if (handleCommonMessage(msg)) return;
  switch (msg.type) {
    case 'init':
      model = msg.model;
      luts = msg.luts;
      state = {
        ...msg.state,
        settings: { ...msg.state.settings, ...state.settings },
        second: state.second ?? msg.state.second,
        imageA: state.imageA ?? msg.state.imageA,
      };
      $('model-name').textContent = `${model.path.split(/[\\/]/).slice(-2).join('/')} — similarity of two views`;
      renderControls();
      renderNames();
      rerun();
      break;
    case 'state':
      state = { ...state, imageA: msg.state.imageA, second: msg.state.second };
      // New views: the old maps and numbers no longer apply.
      result = main = probe = undefined;
      for (const view of ['a', 'b'] as const) paint($(`overlay-${view}`) as HTMLCanvasElement, new ImageData(1, 1));
      $('timing').textContent = '';
      $('similarity').textContent = 'Explaining the new views…';
      renderControls();
      renderNames();
      rerun();
      break;
    case 'partial':
      drawPartial(msg.partial.view, msg.partial.grid);
      break;
    case 'result':
      result = msg.result;
      probe = msg.probe;
      if (!probe) main = msg.result;
      $('error').hidden = true;
      renderNames();
      draw();
      break;
  }
});

layout();
post({ type: 'ready' });
