// The curves panel's legends: the run legend (a colour per run, a toggle that hides the run from every
// chart) and each chart's series buttons (its runs' latest values; also how tests read the charts).
import { formatValue } from '../../../core/logs/smooth';
import type { ChartSpec } from '../layout';
import { stackable } from '../protocol';
import { $, el } from '../../shared/app/ui';
import { color, DASHES, PALETTE } from './look';
import { app, data, key, runIndex, runName, saveState, visibleRuns } from './state';

/** A legend swatch: a short line in the series' colour and dash pattern. */
export function swatch(stroke: string, dash: number[]): HTMLCanvasElement {
  const c = el('canvas', { class: 'swatch-line', width: '40', height: '8', 'aria-hidden': 'true' });
  const ctx = c.getContext('2d')!;
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 3;
  ctx.setLineDash(dash.map((d) => d * 1.5));
  ctx.beginPath();
  ctx.moveTo(0, 4);
  ctx.lineTo(40, 4);
  ctx.stroke();
  return c;
}

/** The stroke and dash of a run's tag on a chart: the run's colour; the tag's dash (a stacked chart of one run: a colour per term). */
export function styleOf(spec: ChartSpec, run: string, tag: string): { stroke: string; dash: number[] } {
  const ti = spec.tags.indexOf(tag);
  if (spec.stack) return color(runIndex(run), ti, visibleRuns().length === 1);
  return { stroke: PALETTE[runIndex(run) % PALETTE.length], dash: DASHES[ti % DASHES.length] };
}

/** The tags of a chart a run logs on the chart's kind of axis. */
export const tagsOn = (spec: ChartSpec, run: string): string[] => spec.tags.filter((t) => data.get(run)?.get(t)?.epoch === spec.epoch);

/** A run's total and the terms that add up to it among `tags` (protocol.ts `stackable`, on the run's values). */
export function stackOf(run: string, tags: string[]): { total: string; terms: string[] } | undefined {
  const store = data.get(run);
  return stackable(tags, {
    steps: (tag) => store?.get(tag)?.steps ?? [],
    value: (tag, step) => {
      const s = store?.get(tag);
      if (!s) return undefined;
      for (let i = s.steps.length - 1; i >= 0; i--) if (s.steps[i] === step) return s.values[i];
      return undefined;
    },
  });
}

/** The tags a chart draws for a run: on a stacked chart its total and terms (none when its values do not add up), else tagsOn. */
export function drawnTags(spec: ChartSpec, run: string): string[] {
  if (!spec.stack) return tagsOn(spec, run);
  const st = stackOf(run, tagsOn(spec, run));
  return st ? [st.total, ...st.terms] : [];
}

/** A series' name in a legend or tooltip: the tag, with its run when several runs are drawn. */
export const seriesName = (run: string, tag: string): string => (visibleRuns().length === 1 ? tag : `${runName(run)} · ${tag}`);

/** A chart's series buttons: a toggle per run and tag with its latest value. */
export function legend(spec: ChartSpec, render: () => void): HTMLElement {
  const list = el('div', { class: 'legend', role: 'group', 'aria-label': `${spec.title} series` });
  for (const run of visibleRuns()) {
    for (const tag of drawnTags(spec, run)) {
      const s = data.get(run)!.get(tag)!;
      const k = key(run, tag);
      const { stroke, dash } = styleOf(spec, run, tag);
      const i = s.values.length - 1;
      const shown = !app.state.settings.hidden.includes(k);
      const b = el(
        'button',
        {
          class: 'series',
          'aria-pressed': String(shown),
          'data-run': run,
          'data-tag': tag,
          'data-count': String(s.values.length),
          'data-last': i >= 0 ? String(s.values[i]) : '',
          title: shown ? 'Hide this series' : 'Show this series',
        },
        swatch(stroke, dash),
        el('span', { class: 'name' }, seriesName(run, tag)),
        el('span', { class: 'last' }, i >= 0 ? `${formatValue(s.values[i])} @ ${s.steps[i]}` : '—'),
      );
      b.addEventListener('click', () => {
        const hidden = new Set(app.state.settings.hidden);
        if (hidden.has(k)) hidden.delete(k);
        else hidden.add(k);
        app.state.settings.hidden = [...hidden];
        saveState();
        render();
      });
      list.append(b);
    }
  }
  return list;
}

/** The run legend: each run's colour, name, format and warnings; a click hides or shows the run on every chart. */
export function renderRuns(render: () => void): void {
  const box = $('runs');
  box.replaceChildren(
    ...app.runs.map((r) => {
      const shown = !app.state.settings.hiddenRuns.includes(r.path);
      const chip = el(
        'button',
        {
          class: 'run-chip',
          'aria-pressed': String(shown),
          title: `${r.path}\n${shown ? 'Click to hide this run from every chart' : 'Click to show this run'}`,
        },
        el('span', { class: 'swatch' }),
        `${r.name} `,
        el('span', { class: 'muted' }, r.format),
      );
      (chip.firstChild as HTMLElement).style.background = PALETTE[runIndex(r.path) % PALETTE.length];
      if (r.corrupt) chip.append(el('span', { class: 'warn', title: 'Corrupt records were skipped' }, ` ⚠ ${r.corrupt} corrupt skipped`));
      if (r.incomplete)
        chip.append(
          el(
            'span',
            { class: 'warn', title: 'A record at the end of a file is cut short or still being written; it is read once it is complete' },
            ` ⚠ ${r.incomplete} incomplete`,
          ),
        );
      if (r.deleted) chip.append(el('span', { class: 'warn' }, ' (files deleted; last points kept)'));
      chip.addEventListener('click', () => {
        const hidden = new Set(app.state.settings.hiddenRuns);
        if (hidden.has(r.path)) hidden.delete(r.path);
        else hidden.add(r.path);
        app.state.settings.hiddenRuns = [...hidden];
        saveState();
        renderRuns(render);
        render();
      });
      return chip;
    }),
  );
  if (app.runs.length === 0) box.append(el('span', { class: 'muted' }, 'No runs chosen yet.'));
}
