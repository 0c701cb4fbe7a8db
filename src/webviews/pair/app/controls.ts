// The pair panel's controls: method, similarity, embedding, feature layer, second view, the method's options, seed, colormap, opacity, metrics.

import {
  ASSIGN_TITLES,
  ASSIGNS,
  JOINT_TITLES,
  SIMILARITY_TITLES,
  TRANSFORM_TITLES,
  type Assign,
  type Joint,
  type PairParamName,
  type Similarity,
  type TransformName,
} from '../../../core/explain/pair/specs';

import { PAIR_PANEL_COLORMAPS, PAIR_PANEL_METHODS, type PairPanelState } from '../protocol';
import { $, el, select, showError } from '../../shared/app/ui';
import { draw } from './drawing';
import { spec, titled } from './labels';
import { app, rerun, save } from './state';

/**
 * A number field; empty or out of range = the default (undefined). Integers at least `min` by
 * default; with `decimal`, any number above 0 up to 100 (pairwise's temperature, as the host validates).
 */
export function numberField(
  id: string,
  label: string,
  value: number | undefined,
  onChange: (v: number | undefined) => void,
  min = 1,
  decimal = false,
): HTMLElement {
  const f = el('vscode-textfield', {
    id,
    type: 'number',
    placeholder: decimal ? 'default (1)' : 'default',
    // vscode-textfield reads step as a number: "any" would leave the default step of 1 and mark decimals invalid.
    ...(decimal ? { step: '0.000001' } : {}),
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

export function set(change: Partial<PairPanelState['settings']>, render = false): void {
  app.state.settings = { ...app.state.settings, ...change };
  if (render) renderControls();
  rerun();
}

/** The control of one pair-method option. */
export function paramControls(param: PairParamName): HTMLElement[] {
  const s = app.state.settings;
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

export function renderControls(): void {
  const s = app.state.settings;
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
  if (app.model) {
    const embeddings: [string, string][] = [
      ['', `${app.model.outputs[0]} (output)`],
      ...app.model.outputs.slice(1).map((o): [string, string] => [o, `${o} (output)`]),
      ...app.model.layers.filter((l) => !app.model!.outputs.includes(l)).map((l): [string, string] => [l, l]),
    ];
    c.append(select('embedding', 'Embedding', embeddings, s.embedding ?? '', (v) => set({ embedding: v || undefined })));
    if (spec(s.method)?.layer) {
      c.append(
        select(
          'layer',
          'Feature layer',
          app.model.camLayers.map((l) => [l, l === app.model!.defaultLayer ? `${l} (default)` : l]),
          s.layer ?? app.model.defaultLayer ?? '',
          (v) => set({ layer: v === app.model!.defaultLayer ? undefined : v }),
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
    app.state.second.kind,
    (v) => {
      app.state.second = v === 'image' ? { kind: 'image' } : { kind: 'augment', spec: 'crop=0.6,flip,jitter=0.4' };
      renderControls();
      rerun();
    },
  );
  c.append(secondKind);
  if (app.state.second.kind === 'augment') {
    const f = el('vscode-textfield', { id: 'augment', value: app.state.second.spec, 'aria-label': 'Augmentations of the first view' });
    f.addEventListener('change', () => {
      const spec = (f as unknown as { value: string }).value.trim().toLowerCase();
      if (!/^[a-z0-9.=, ]{1,200}$/.test(spec))
        return showError(`"${spec}" is not an augmentation list: use crop=S, flip, jitter=S, gray, blur=SIGMA, solarize=T, rotate=DEG.`);
      app.state.second = { kind: 'augment', spec };
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
        app.state.settings = { ...app.state.settings, colormap: v };
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
    app.state.settings = { ...app.state.settings, opacity: Number(opacity.value) };
    save();
    draw();
  });
  c.append(el('div', { class: 'field' }, el('vscode-label', { for: 'opacity' }, 'Opacity'), opacity));
  const metrics = el('vscode-checkbox', { id: 'metrics', label: 'Deletion / insertion', ...(s.metrics ? { checked: '' } : {}) });
  metrics.addEventListener('change', () => set({ metrics: (metrics as unknown as { checked: boolean }).checked }));
  c.append(el('div', { class: 'field' }, el('vscode-label', {}, 'Metrics'), metrics));
}
