// The curves panel's controls: smoothing, horizontal axis, log scale, outliers, train/validation pairing, tag filter.
import type { XAxis } from '../protocol';
import { el, select } from '../../shared/app/ui';
import { render } from './drawing';
import { app, saveState } from './state';

export function controls(): HTMLElement {
  const s = app.state.settings;
  const smoothing = el('input', { id: 'smoothing', type: 'range', min: '0', max: '0.99', step: '0.01', value: String(s.smoothing), 'aria-label': 'Smoothing' });
  const smoothingValue = el('span', { class: 'muted', id: 'smoothing-value' }, s.smoothing.toFixed(2));
  smoothing.addEventListener('input', () => (smoothingValue.textContent = Number(smoothing.value).toFixed(2)));
  smoothing.addEventListener('change', () => {
    app.state.settings.smoothing = Number(smoothing.value);
    saveState();
    render();
  });
  const toggle = (id: string, label: string, title: string, setting: 'logScale' | 'pair' | 'ignoreOutliers'): HTMLElement => {
    const box = el('vscode-checkbox', { id, label, title, ...(s[setting] ? { checked: '' } : {}) });
    box.addEventListener('change', () => {
      app.state.settings[setting] = (box as unknown as { checked: boolean }).checked;
      saveState();
      render();
    });
    return box;
  };
  const log = toggle('log-scale', 'Log scale', 'A logarithmic y axis', 'logScale');
  const outliers = toggle(
    'ignore-outliers',
    'Ignore outliers',
    "Scale the y axis to the 5th–95th percentile of the values drawn (TensorBoard's rule)",
    'ignoreOutliers',
  );
  const pair = toggle(
    'pair',
    'Train with validation',
    'Draw a metric and its validation twin (loss and val_loss, train/x and validation/x) on one chart',
    'pair',
  );
  const search = el('vscode-textfield', { id: 'filter', placeholder: 'Filter tags (regular expression)', 'aria-label': 'Filter tags', value: app.filter });
  search.addEventListener('input', () => {
    app.filter = (search as unknown as { value: string }).value;
    app.state.filter = app.filter || undefined;
    saveState();
    render();
  });
  return el(
    'div',
    { class: 'controls' },
    el('div', { class: 'field' }, el('vscode-label', { for: 'smoothing' }, 'Smoothing'), el('div', { class: 'inline' }, smoothing, smoothingValue)),
    select(
      'x-axis',
      'Horizontal axis',
      [
        ['step', 'Step (epoch for per-epoch series)'],
        ['relative', 'Relative time'],
        ['wall', 'Wall time'],
      ],
      s.xAxis,
      (v) => {
        app.state.settings.xAxis = v as XAxis;
        saveState();
        render();
      },
    ),
    el('div', { class: 'field' }, el('vscode-label', {}, 'Y axis'), el('div', { class: 'inline' }, log, outliers)),
    el('div', { class: 'field' }, el('vscode-label', {}, 'Charts'), pair),
    el('div', { class: 'field wide' }, el('vscode-label', { for: 'filter' }, 'Tags'), search),
  );
}
