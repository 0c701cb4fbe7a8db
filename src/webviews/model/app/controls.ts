// The model panel's controls: method, layer, output, target, colormap, opacity, the method's parameters; recent images.
import { $, el, select } from '../../shared/app/ui';
import { methodSpec } from '../../../core/explain/specs';
import { MODEL_FORMAT_SPECS } from '../../../core/model/specs';
import { PANEL_COLORMAPS, PANEL_METHODS } from '../protocol';
import { draw } from './drawing';
import { numericParams, paramFromField, usesLayer } from './params';
import { app, post, rerun, save } from './state';

export function renderControls(): void {
  const s = app.state.settings;
  const controls = $('controls');
  controls.replaceChildren(
    select(
      'method',
      'Method',
      PANEL_METHODS.map((m) => [m, methodSpec(m)?.title ?? m]),
      s.method,
      (v) => {
        app.state.settings = { ...app.state.settings, method: v };
        renderControls();
        rerun();
      },
    ),
  );
  if (app.summary && usesLayer(s.method)) {
    controls.append(
      select(
        'layer',
        'Layer',
        app.summary.camLayers.map((l) => [l, `${layerLabel(l)}${l === app.summary!.defaultLayer ? ' (default)' : ''}`]),
        s.layer ?? app.summary.defaultLayer ?? '',
        (v) => {
          app.state.settings = { ...app.state.settings, layer: v === app.summary!.defaultLayer ? undefined : v };
          rerun();
        },
      ),
    );
  }
  if (app.summary && app.summary.outputs.length > 1) {
    controls.append(
      select(
        'output',
        'Output',
        app.summary.outputs.map((o, i) => [String(i), o.name]),
        String(s.output),
        (v) => {
          app.state.settings = { ...app.state.settings, output: Number(v), target: 'top' };
          renderControls();
          rerun();
        },
      ),
    );
  }
  const units = app.summary?.outputs[s.output]?.shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1) ?? 0;
  const targets: [string, string][] = [['top', 'Top class']];
  for (let i = 0; i < Math.min(units, 1000); i++) targets.push([String(i), app.summary?.labels?.[i] ? `${i}: ${app.summary.labels[i]}` : `class ${i}`]);
  controls.append(
    select('target', 'Target', targets, String(s.target), (v) => {
      app.state.settings = { ...app.state.settings, target: v === 'top' ? 'top' : Number(v) };
      rerun();
    }),
    select(
      'colormap',
      'Colormap',
      PANEL_COLORMAPS.map((c) => [c, c]),
      s.colormap,
      (v) => {
        app.state.settings = { ...app.state.settings, colormap: v };
        save();
        draw();
      },
    ),
  );
  const opacity = el('input', { id: 'opacity', type: 'range', min: '0', max: '1', step: '0.05', value: String(s.opacity), 'aria-label': 'Overlay opacity' });
  opacity.addEventListener('input', () => {
    app.state.settings = { ...app.state.settings, opacity: Number(opacity.value) };
    save();
    draw();
  });
  controls.append(el('div', { class: 'field' }, el('vscode-label', { for: 'opacity' }, 'Opacity'), opacity));
  for (const { key, spec } of numericParams(s.method)) {
    const current = (s.params as Record<string, number | undefined>)[key];
    const field = el('vscode-textfield', {
      id: `param-${key}`,
      type: 'number',
      // A fine step for decimal parameters (σ 0.15 is valid, not marked as an error); vscode-textfield reads step as a number.
      ...(spec.kind === 'number' ? { step: '0.000001' } : {}),
      placeholder: defaultText(key, spec.default),
      ...(current !== undefined ? { value: String(current) } : {}),
    });
    field.addEventListener('change', () => {
      const value = paramFromField((field as unknown as { value: string }).value, spec);
      const params = { ...app.state.settings.params } as Record<string, number | undefined>;
      if (value === undefined) delete params[key];
      else params[key] = value;
      app.state.settings = { ...app.state.settings, params };
      rerun();
    });
    controls.append(el('div', { class: 'field' }, el('vscode-label', { for: `param-${key}` }, spec.label), field));
  }
}

/** A layer as the picker names it: ONNX layers by their operator and output ("Relu (9)"), whose names are often bare numbers. */
function layerLabel(name: string): string {
  const format = MODEL_FORMAT_SPECS.find((f) => f.name === app.summary?.format);
  if (!format || !('layersByOutput' in format)) return name;
  const type = app.summary?.layers.find((l) => l.name === name)?.type;
  return type ? `${type} (${name})` : name;
}

/** A parameter field's placeholder: the default it stands for — the spec's, or the value the last result used (occlusion's window and stride). */
function defaultText(key: string, specDefault: number | undefined): string {
  const used = specDefault ?? (app.result?.method === app.state.settings.method ? app.result.details[key] : undefined);
  return used === undefined ? 'default' : `default (${used})`;
}

/** After a result: the empty parameter fields show the defaults it used. */
export function updateParamPlaceholders(): void {
  for (const { key, spec } of numericParams(app.state.settings.method)) {
    const field = document.getElementById(`param-${key}`);
    if (field) field.setAttribute('placeholder', defaultText(key, spec.default));
  }
}

export function renderRecent(): void {
  const list = $('recent');
  list.replaceChildren(
    ...app.recent.map((p) => {
      const b = el('button', { class: 'link', title: p }, p.split(/[\\/]/).pop() ?? p);
      b.addEventListener('click', () => post({ type: 'useImage', path: p }));
      return el('li', {}, b);
    }),
  );
}
