// The model panel's Metrics section: can the current map be trusted? Deletion and insertion AUC beside a
// random order's, the pointing games beside a random map's (with a boxes.json beside the image), the
// deletion and insertion curves, and — when asked — the sanity check's rank correlation per randomised layer.
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { MetricsMessage } from '../../../protocol/worker';
import { $, el } from '../../shared/app/ui';
import { app, post, save } from './state';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, CategoryScale, Tooltip, Legend);

let curves: Chart | undefined;
let sanityChart: Chart | undefined;
const css = (v: string, f: string) => getComputedStyle(document.body).getPropertyValue(v).trim() || f;
const num = (v: number | null, d = 3) => (v === null ? '—' : v.toFixed(d));

export function metricsSection(): HTMLElement {
  const button = el('vscode-button', { id: 'metrics-run', secondary: '' }, 'Compute metrics');
  const sanity = el('vscode-checkbox', { id: 'metrics-sanity', label: 'and the sanity check (randomises the layers one by one: slower)' });
  button.addEventListener('click', () => {
    if (!app.state.imagePath) return;
    save();
    post({ type: 'metrics', settings: app.state.settings, sanity: (sanity as unknown as { checked: boolean }).checked });
  });
  return el(
    'section',
    { id: 'metrics', class: 'result-view' },
    el('div', { class: 'strip-head' }, el('h2', {}, 'Metrics'), button, sanity),
    el(
      'p',
      { class: 'muted' },
      'Deletion: the target’s score as the most relevant pixels are set to 0, 5 % at a time (the area under the curve: lower is better). Insertion: as they are put back into a blurred copy (higher is better). Each beside what a random order scores; the pointing games need a boxes.json beside the image.',
    ),
    el('table', { id: 'metrics-table', class: 'hparams', hidden: '' }),
    el(
      'div',
      { class: 'metrics-charts' },
      el(
        'div',
        { class: 'metrics-chart', id: 'metrics-curves-box', hidden: '' },
        el('canvas', { id: 'metrics-curves', role: 'img', 'aria-label': 'Deletion and insertion curves' }),
      ),
      el(
        'div',
        { class: 'metrics-chart', id: 'metrics-sanity-box', hidden: '' },
        el('canvas', { id: 'metrics-sanity-chart', role: 'img', 'aria-label': 'Rank correlation with the original map per randomised layer' }),
      ),
    ),
  );
}

/** A new explanation: the metrics shown were of the previous one. */
export function clearMetrics(): void {
  curves?.destroy();
  sanityChart?.destroy();
  curves = sanityChart = undefined;
  $('metrics-table').hidden = true;
  $('metrics-curves-box').hidden = true;
  $('metrics-sanity-box').hidden = true;
}

export function drawMetrics(m: MetricsMessage): void {
  clearMetrics();
  const score = m.score === 'probability' ? 'the target’s probability' : 'the raw output';
  const rows: [string, string, string][] = [
    ['Deletion AUC ↓', num(m.deletionAuc), num(m.randomDeletionAuc)],
    ['Insertion AUC ↑', num(m.insertionAuc), num(m.randomInsertionAuc)],
    ['Pointing game', m.pointing === null ? '— (no box)' : m.pointing ? 'hit' : 'miss', num(m.randomPointing, 2)],
    ['Energy in the box', num(m.energyPointing), num(m.randomPointing)],
  ];
  const table = $('metrics-table');
  table.replaceChildren(
    el('caption', {}, `${m.method}, class ${m.target}; the curves score ${score}`),
    el('thead', {}, el('tr', {}, el('th', {}, 'metric'), el('th', {}, 'this map'), el('th', {}, 'random'))),
    el('tbody', {}, ...rows.map(([a, b, c]) => el('tr', {}, el('th', {}, a), el('td', { class: 'num' }, b), el('td', { class: 'num' }, c)))),
  );
  table.hidden = false;
  const fg = css('--vscode-foreground', '#ccc');
  const muted = css('--vscode-descriptionForeground', '#888');
  $('metrics-curves-box').hidden = false;
  curves = new Chart($('metrics-curves') as HTMLCanvasElement, {
    type: 'line',
    data: {
      labels: m.deletion.map((_, i) => `${i * 5} %`),
      datasets: [
        {
          label: 'deletion',
          data: m.deletion,
          borderColor: css('--vscode-charts-red', '#f14c4c'),
          backgroundColor: css('--vscode-charts-red', '#f14c4c'),
          pointRadius: 0,
        },
        {
          label: 'insertion',
          data: m.insertion,
          borderColor: css('--vscode-charts-blue', '#3794ff'),
          backgroundColor: css('--vscode-charts-blue', '#3794ff'),
          pointRadius: 0,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { title: { display: true, text: 'pixels deleted / inserted', color: muted }, ticks: { color: fg, maxTicksLimit: 6 } },
        y: { title: { display: true, text: m.score === 'probability' ? 'probability' : 'output', color: muted }, ticks: { color: fg }, beginAtZero: true },
      },
      plugins: { legend: { labels: { color: fg } } },
    },
  });
  $('metrics-curves').dataset.drawn = 'true';
  if (m.sanity) {
    $('metrics-sanity-box').hidden = false;
    sanityChart = new Chart($('metrics-sanity-chart') as HTMLCanvasElement, {
      type: 'bar',
      data: {
        labels: m.sanity.map((s) => s.layer),
        datasets: [
          {
            label: 'rank correlation with the original map',
            data: m.sanity.map((s) => s.rankCorrelation),
            backgroundColor: css('--vscode-charts-purple', '#b180d7'),
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: 'randomised down to (from the output)', color: muted }, ticks: { color: fg } },
          y: { min: -1, max: 1, ticks: { color: fg } },
        },
        plugins: { legend: { labels: { color: fg } } },
      },
    });
    $('metrics-sanity-chart').dataset.drawn = 'true';
  }
}
