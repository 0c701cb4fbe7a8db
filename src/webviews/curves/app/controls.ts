// The curves panel's controls: smoothing, horizontal axis, log scale, tag filter.
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
  const log = el('vscode-checkbox', { id: 'log-scale', label: 'Log scale', ...(s.logScale ? { checked: '' } : {}) });
  log.addEventListener('change', () => {
    app.state.settings.logScale = (log as unknown as { checked: boolean }).checked;
    saveState();
    render();
  });
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
        ['step', 'Step'],
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
    el('div', { class: 'field' }, el('vscode-label', {}, 'Scale'), log),
    el('div', { class: 'field wide' }, el('vscode-label', { for: 'filter' }, 'Tags'), search),
  );
}
