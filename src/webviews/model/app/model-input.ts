// The model panel's "Model input" section: the preprocessing in use, each setting with where it came
// from (the model itself, modellens.json, a preset, the defaults, or this panel), controls that change
// it live, the notes of what preprocessing did, and Save to modellens.json.
import { CHANNEL_ORDERS, COLOR_MODES, DEFAULT_PREPROCESS, RESIZE_MODES, SCALES, type PreprocessKey, type PreprocessSpec } from '../../../core/image/specs';
import { $, el, select } from '../../shared/app/ui';
import { app, post, rerun } from './state';

const LABELS: Record<PreprocessKey, string> = {
  scale: 'Scale',
  mean: 'Mean',
  std: 'Std',
  channelOrder: 'Channel order',
  resize: 'Resize',
  color: 'Colour',
  invert: 'Invert',
};

/** Where a setting came from, in words. */
export function sourceText(source: string | undefined): string {
  if (!source || source === 'default') return 'default';
  if (source === 'panel') return 'set here';
  if (source === 'model') return 'the model rescales its input';
  if (source.startsWith('preset ')) return source;
  if (source.endsWith('modellens.json')) return 'modellens.json';
  return source;
}

/** The settings in use: the model's (as the worker resolved them) with this panel's on top — what the next run uses. */
function current(): { spec: PreprocessSpec; sources: Partial<Record<PreprocessKey, string>> } {
  const over = app.state.settings.preprocess ?? {};
  const base = app.summary?.preprocess;
  const sources: Partial<Record<PreprocessKey, string>> = { ...(base?.sources ?? {}) };
  for (const k of Object.keys(over) as PreprocessKey[]) sources[k] = 'panel';
  return { spec: { ...(base?.spec ?? DEFAULT_PREPROCESS), ...over } as PreprocessSpec, sources };
}

function set<K extends PreprocessKey>(key: K, value: PreprocessSpec[K] | undefined): void {
  const over = { ...(app.state.settings.preprocess ?? {}) };
  if (value === undefined) delete over[key];
  else over[key] = value;
  app.state.settings = { ...app.state.settings, preprocess: Object.keys(over).length ? over : undefined };
  rerun();
  renderModelInput();
}

/** "0.485, 0.456, 0.406" → numbers; '' → none; anything else → an error sentence. */
export function parseNumbers(text: string, nonZero: boolean): number[] | undefined | string {
  const t = text.trim();
  if (!t) return undefined;
  const parts = t.split(/[\s,]+/).filter(Boolean);
  const v = parts.map(Number);
  if (v.length > 4 || v.some((n) => !Number.isFinite(n))) return 'one to four numbers, separated by commas';
  if (nonZero && v.some((n) => n === 0)) return 'no zero';
  return v;
}

function numbersField(key: 'mean' | 'std', spec: PreprocessSpec): HTMLElement {
  const f = el('vscode-textfield', { id: `pre-${key}`, placeholder: 'none', value: (spec[key] ?? []).join(', '), 'aria-label': LABELS[key] });
  const err = el('span', { class: 'field-error', role: 'alert' });
  f.addEventListener('change', () => {
    const parsed = parseNumbers((f as unknown as { value: string }).value, key === 'std');
    if (typeof parsed === 'string') {
      err.textContent = `${LABELS[key]}: ${parsed}.`;
      return;
    }
    err.textContent = '';
    set(key, parsed);
  });
  return el('div', { class: 'field' }, el('vscode-label', { for: `pre-${key}` }, LABELS[key]), f, err);
}

/** After a save: modellens.json now gives every setting, and this panel changes none. */
export function preprocessSaved(file: string, spec: PreprocessSpec): void {
  if (!app.summary) return;
  const sources = Object.fromEntries((Object.keys(LABELS) as PreprocessKey[]).map((k) => [k, k in spec ? file : 'default'])) as Record<PreprocessKey, string>;
  app.summary = { ...app.summary, preprocess: { spec, sources } };
  app.state.settings = { ...app.state.settings, preprocess: undefined };
  rerun();
  renderModelInput();
}

export function renderModelInput(): void {
  const box = $('input-controls');
  if (!box || !app.summary) return;
  const { spec, sources } = current();
  const row = (key: PreprocessKey, control: HTMLElement) =>
    el(
      'div',
      { class: 'pre-row', 'data-key': key },
      control,
      el('span', { class: 'source muted', 'data-source': sources[key] ?? 'default' }, sourceText(sources[key])),
    );
  const choice = <K extends 'scale' | 'channelOrder' | 'resize' | 'color'>(key: K, values: readonly string[]) =>
    row(
      key,
      select(
        `pre-${key}`,
        LABELS[key],
        values.map((v) => [v, v]),
        String(spec[key] ?? values[0]),
        (v) => set(key, v as PreprocessSpec[K]),
      ),
    );
  const invert = el('vscode-checkbox', { id: 'pre-invert', label: 'Invert (255 − value)', ...(spec.invert ? { checked: '' } : {}) });
  invert.addEventListener('change', () => set('invert', (invert as unknown as { checked: boolean }).checked || undefined));
  const reset = el('vscode-button', { id: 'pre-reset', secondary: '', title: "Drop this panel's changes: the model's settings again" }, "Model's settings");
  reset.addEventListener('click', () => {
    app.state.settings = { ...app.state.settings, preprocess: undefined };
    rerun();
    renderModelInput();
  });
  const saveButton = el(
    'vscode-button',
    { id: 'pre-save', secondary: '', title: 'Write these settings to modellens.json beside the model' },
    'Save to modellens.json',
  );
  saveButton.addEventListener('click', () => post({ type: 'savePreprocess', preprocess: current().spec }));
  box.replaceChildren(
    choice('scale', SCALES),
    row('mean', numbersField('mean', spec)),
    row('std', numbersField('std', spec)),
    choice('channelOrder', CHANNEL_ORDERS),
    choice('resize', RESIZE_MODES),
    choice('color', COLOR_MODES),
    row('invert', el('div', { class: 'field' }, el('vscode-label', {}, LABELS.invert), invert)),
    el('div', { class: 'pre-actions' }, reset, saveButton),
  );
  const notes = app.result?.notes ?? [];
  $('input-notes').replaceChildren(...notes.map((n) => el('li', {}, n)));
}
