// The curves panel's HParams table: the shown runs × their hyper-parameters × their final metrics,
// sortable by any column (click or Enter on its heading), above the charts when any run records some.
import { formatValue } from '../../../core/logs/smooth';
import { hparamColumns, metricTags, sortRows, type HparamCell, type SortKey } from '../hparams-table';
import { $, el } from '../../shared/app/ui';
import { PALETTE } from './look';
import { app, data, runIndex, visibleRuns } from './state';

let sort: SortKey | undefined;
let showAll = false;

const cellText = (v: HparamCell): string => (v === undefined ? '' : v === null ? 'null' : typeof v === 'number' ? formatValue(v) : String(v));

/** The last finite value of a run's tag. */
function finalValue(run: string, tag: string): number | undefined {
  const s = data.get(run)?.get(tag);
  if (!s) return undefined;
  for (let i = s.values.length - 1; i >= 0; i--) if (Number.isFinite(s.values[i])) return s.values[i];
  return undefined;
}

export function renderHparams(): void {
  const box = $('hparams');
  const runs = visibleRuns()
    .map((path) => ({ path, meta: app.runs.find((r) => r.path === path) }))
    .filter((r) => r.meta);
  const withHparams = runs.filter((r) => r.meta!.hparams && Object.keys(r.meta!.hparams).length);
  if (withHparams.length === 0) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const sets = withHparams.map((r) => r.meta!.hparams!);
  const { shown, total } = hparamColumns(sets, showAll);
  const differing = hparamColumns(sets, false).shown.length;
  const metrics = metricTags(runs.map((r) => [...(data.get(r.path)?.keys() ?? [])]));
  const columns: { key: string; label: string; kind: 'hparam' | 'metric' }[] = [
    ...shown.map((k) => ({ key: k, label: k, kind: 'hparam' as const })),
    ...metrics.map((t) => ({ key: t, label: t, kind: 'metric' as const })),
  ];
  const rows = sortRows(
    runs.map((r) => ({
      run: r.path,
      name: r.meta!.name,
      cells: columns.map((c) => (c.kind === 'hparam' ? r.meta!.hparams?.[c.key] : finalValue(r.path, c.key))),
    })),
    sort,
  );
  const head = el(
    'tr',
    {},
    ...[{ key: '', label: 'Run', kind: 'run' as const }, ...columns].map((c, i) => {
      const col = i - 1;
      const active = sort?.column === col;
      const th = el(
        'th',
        { scope: 'col', class: c.kind, 'aria-sort': active ? (sort!.descending ? 'descending' : 'ascending') : 'none' },
        el('button', { class: 'sort', title: `Sort by ${c.label}` }, c.label, active ? (sort!.descending ? ' ▼' : ' ▲') : ''),
      );
      th.querySelector('button')!.addEventListener('click', () => {
        sort = active && !sort!.descending ? { column: col, descending: true } : { column: col, descending: false };
        renderHparams();
      });
      return th;
    }),
  );
  const body = rows.map((r) => {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = PALETTE[runIndex(r.run) % PALETTE.length];
    return el(
      'tr',
      { 'data-run': r.run },
      el('th', { scope: 'row', title: r.run }, swatch, ` ${r.name}`),
      ...r.cells.map((v, i) => el('td', { class: columns[i].kind, title: cellText(v) }, cellText(v))),
    );
  });
  const more = el('vscode-checkbox', {
    id: 'hparams-all',
    label: `Also the hyper-parameters equal in every run (${total - differing} more)`,
    ...(showAll ? { checked: '' } : {}),
  });
  more.addEventListener('change', () => {
    showAll = (more as unknown as { checked: boolean }).checked;
    renderHparams();
  });
  const note =
    withHparams.length > 1 && total > differing ? more : el('span', { class: 'muted' }, metrics.length ? 'Metrics: the last finite value logged.' : '');
  box.replaceChildren(
    el(
      'details',
      { open: '' },
      el('summary', {}, `Hyper-parameters (${withHparams.length} of ${runs.length} run${runs.length === 1 ? '' : 's'})`),
      el('div', { class: 'hparams-scroll' }, el('table', { class: 'hparams', id: 'hparams-table' }, el('thead', {}, head), el('tbody', {}, ...body))),
      note,
    ),
  );
}
