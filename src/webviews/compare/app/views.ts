// What the compare panel draws: the side-by-side cards, the metrics tables, the knowledge view.
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, CategoryScale } from 'chart.js';
import { describeScore } from '../../../core/explain/scores';
import { METHOD_SPECS } from '../../../core/explain/specs';
import { $, el } from '../../shared/app/ui';
import { formatCell, MODEL_COLUMNS, modelRows, PAIR_METRIC_KEYS, PAIR_METRICS, sortRows, type ModelColumn } from '../table';
import { app, post, save } from './state';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

/** The knowledge grid's side (core/distill/knowledge.ts GRID). */
const GRID = 16;

let lut: number[] = [];
export const setLut = (l: number[]): void => void (lut = l);

const methodTitle = (m: string): string => METHOD_SPECS.find((s) => s.name === m)?.title ?? m;
const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;

function openButton(model: number, image?: string): HTMLElement {
  const b = el('vscode-button', { secondary: '', class: 'open-model', 'data-model': String(model) }, 'Open in the model panel');
  b.addEventListener('click', () => post({ type: 'openModel', model, ...(image ? { image } : {}) }));
  return b;
}

/** Paints a PNG data URL into a canvas at its own size. */
function paintUrl(canvas: HTMLCanvasElement, url: string): Promise<void> {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => {
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      canvas.getContext('2d')!.drawImage(img, 0, 0);
      resolve();
    };
    img.onerror = () => resolve();
    img.src = url;
  });
}

export function drawImageResult(): void {
  const r = app.results.image;
  const cards = $('cards');
  if (!r) {
    cards.replaceChildren();
    $('similarity').hidden = true;
    return;
  }
  const preds = r.result.images[0]?.predictions ?? [];
  const painted: Promise<void>[] = [];
  cards.replaceChildren(
    ...r.overlays.map((o, i) => {
      const canvas = el('canvas', { id: `overlay-${i}`, class: 'compare-canvas', role: 'img', 'aria-label': `${app.names[i]}: ${methodTitle(r.method)} map` });
      painted.push(paintUrl(canvas as HTMLCanvasElement, o.dataUrl));
      const p = preds[i];
      const label = p ? `${p.label ?? `class ${p.index}`} — ${describeScore(o.scoreKind, p.score, o.probability, o.units)}` : '';
      return el(
        'figure',
        { class: 'result-view compare-card', 'data-has-result': 'true' },
        el('h3', {}, `m${i + 1} ${app.names[i] ?? ''}`),
        canvas,
        el('figcaption', { class: 'prediction' }, label),
        openButton(i, r.image),
      );
    }),
  );
  const pairs = r.result.pairs;
  const sim = $('similarity');
  sim.hidden = pairs.length === 0;
  sim.replaceChildren(
    el('caption', {}, 'Map similarity on this image'),
    el('thead', {}, el('tr', {}, ...['Models', ...Object.values(PAIR_METRICS)].map((t) => el('th', { scope: 'col' }, t)))),
    el(
      'tbody',
      {},
      ...pairs.map((p) => {
        const a = r.result.models.findIndex((m) => m.path === p.a);
        const b = r.result.models.findIndex((m) => m.path === p.b);
        return el(
          'tr',
          {},
          el('th', { scope: 'row' }, `m${a + 1} · m${b + 1}`),
          ...PAIR_METRIC_KEYS.map((k) => el('td', { class: 'num' }, formatCell(k, p[k]))),
        );
      }),
    ),
  );
  // The line the tests wait for is written once every overlay is on its canvas.
  void Promise.all(painted).then(() => {
    if (app.results.image === r) $('timing').textContent = `${methodTitle(r.method)} by ${r.overlays.length} models on ${baseName(r.image)}`;
  });
}

export function drawFolder(): void {
  const r = app.results.folder;
  const table = $('models-table');
  const pairsTable = $('pairs-table');
  if (!r) {
    table.hidden = pairsTable.hidden = true;
    $('folder-summary').textContent = '';
    $('disagree').replaceChildren();
    $('disagree-title').hidden = true;
    return;
  }
  table.hidden = false;
  $('folder-summary').textContent = `${r.images} image${r.images === 1 ? '' : 's'} of ${r.folder}, ${methodTitle(r.method)} maps.`;
  const { key, descending } = app.results.sort;
  const rows = sortRows(
    modelRows(
      r.result,
      app.names.map((n, i) => `m${i + 1} ${n}`),
    ),
    key,
    descending,
  );
  table.replaceChildren(
    el('caption', {}, 'Per model (click a heading to sort)'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...MODEL_COLUMNS.map((c) => {
          const sorted = c.key === key;
          const b = el('button', { class: 'sort', title: c.help, 'data-key': c.key }, `${c.title}${sorted ? (descending ? ' ▼' : ' ▲') : ''}`);
          b.addEventListener('click', () => {
            app.results.sort = { key: c.key as ModelColumn, descending: sorted ? !descending : c.key !== 'name' };
            save();
            drawFolder();
          });
          return el('th', { scope: 'col', ...(sorted ? { 'aria-sort': descending ? 'descending' : 'ascending' } : {}) }, b);
        }),
      ),
    ),
    el(
      'tbody',
      {},
      ...rows.map((row) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, row.name),
          ...MODEL_COLUMNS.slice(1).map((c) => el('td', { class: 'num' }, formatCell(c.key, row[c.key as ModelColumn]))),
        ),
      ),
    ),
  );
  pairsTable.hidden = r.result.pairs.length === 0;
  const idx = (p: string) => r.result.models.findIndex((m) => m.path === p) + 1;
  pairsTable.replaceChildren(
    el('caption', {}, 'Map similarity, mean over the images'),
    el('thead', {}, el('tr', {}, ...['Models', ...Object.values(PAIR_METRICS)].map((t) => el('th', { scope: 'col' }, t)))),
    el(
      'tbody',
      {},
      ...r.result.pairs.map((p) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, `m${idx(p.a)} · m${idx(p.b)}`),
          ...PAIR_METRIC_KEYS.map((k) => el('td', { class: 'num' }, formatCell(k, p[k]))),
        ),
      ),
    ),
  );
  const disagreeing = r.result.images.filter((i) => i.disagreement > 0).slice(0, 10);
  $('disagree-title').hidden = false;
  $('disagree').replaceChildren(
    ...(disagreeing.length
      ? disagreeing.map((im) => {
          const file = `${r.folder}/${im.image}`;
          const b = el('button', { class: 'link', title: 'Show every model’s map of this image' }, im.image);
          b.addEventListener('click', () => post({ type: 'showImage', name: im.image }));
          return el(
            'li',
            {},
            b,
            el('span', { class: 'muted' }, ` — ${im.predictions.map((p, k) => `m${k + 1} ${p.label ?? p.index}`).join(', ')}`),
            ...im.predictions.map((_, k) => openButton(k, file)),
          );
        })
      : [el('li', { class: 'muted' }, 'The models agree on every image.')]),
  );
}

export function renderCheckpoints(): void {
  $('checkpoints').replaceChildren(
    ...app.names.map((n, i) => {
      const b = el('vscode-button', { secondary: '', 'data-model': String(i) }, 'Checkpoints…');
      b.addEventListener('click', () => post({ type: 'pick', what: 'checkpoints', model: i }));
      const c = app.state.checkpoints[i];
      return el(
        'li',
        {},
        el('strong', {}, `m${i + 1} `),
        el('span', { class: 'muted' }, c ? `checkpoints: ${c}` : 'no checkpoints (N_fg per epoch, D and ρ need them)'),
        ' ',
        b,
      );
    }),
  );
}

let chart: Chart | undefined;

/** The entropy grid over the image (low entropy, where the model cannot bear noise, is hot), the points ringed. */
function drawEntropy(canvas: HTMLCanvasElement, grid: number[], points: [number, number][], picture: string | undefined, range: [number, number]): void {
  const [lo, hi] = range;
  const size = 256;
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  const cell = size / GRID;
  const finish = () => {
    ctx.globalAlpha = 0.55;
    for (let r = 0; r < GRID; r++)
      for (let c = 0; c < GRID; c++) {
        const t = hi > lo ? 1 - Math.min(1, Math.max(0, (grid[r * GRID + c] - lo) / (hi - lo))) : 0;
        const k = Math.round(t * 255) * 3;
        ctx.fillStyle = `rgb(${lut[k] ?? 0},${lut[k + 1] ?? 0},${lut[k + 2] ?? 0})`;
        ctx.fillRect(c * cell, r * cell, cell, cell);
      }
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2;
    for (const [r, c] of points) {
      ctx.strokeStyle = '#fff';
      ctx.beginPath();
      ctx.arc((c + 0.5) * cell, (r + 0.5) * cell, cell * 0.35, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.strokeStyle = '#000';
      ctx.beginPath();
      ctx.arc((c + 0.5) * cell, (r + 0.5) * cell, cell * 0.35 + 2, 0, 2 * Math.PI);
      ctx.stroke();
    }
    canvas.dataset.drawn = 'true';
  };
  if (!picture) return finish();
  const img = new Image();
  img.onload = () => {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, size, size);
    finish();
  };
  img.onerror = finish;
  img.src = picture;
}

export function drawKnowledge(): void {
  const k = app.results.knowledge;
  const cards = $('knowledge-cards');
  const done = k?.models.filter((m) => m !== null) ?? [];
  if (!k || done.length === 0) {
    cards.replaceChildren();
    $('knowledge-pick').replaceChildren();
    $('nfg-box').hidden = true;
    $('knowledge-summary').textContent = '';
    return;
  }
  const imageNames = done[0]!.images.map((i) => i.image);
  if (!app.results.knowledgeImage || !imageNames.includes(app.results.knowledgeImage)) app.results.knowledgeImage = imageNames[0];
  const chosen = app.results.knowledgeImage!;
  const s = el('vscode-single-select', { id: 'knowledge-image', 'aria-label': 'Image' });
  for (const n of imageNames) s.append(el('vscode-option', n === chosen ? { value: n, selected: '' } : { value: n }, n));
  s.addEventListener('change', () => {
    app.results.knowledgeImage = (s as unknown as { value: string }).value;
    save();
    drawKnowledge();
  });
  $('knowledge-pick').replaceChildren(el('div', { class: 'field' }, el('vscode-label', { for: 'knowledge-image' }, 'Image'), s));
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  // One colour scale for every model's map of the image: from the lowest entropy among them (hot) to the highest.
  const all = done.flatMap((m) => m!.images.find((im) => im.image === chosen)?.grid ?? []);
  const range: [number, number] = [Math.min(...all), Math.max(...all)];
  cards.replaceChildren(
    ...k.models.map((m, i) => {
      if (!m) return el('figure', { class: 'compare-card' }, el('h3', {}, `m${i + 1} ${app.names[i] ?? ''}`), el('p', { class: 'muted' }, 'waiting…'));
      const one = m.images.find((im) => im.image === chosen);
      const canvas = el('canvas', { id: `entropy-${i}`, class: 'compare-canvas', role: 'img', 'aria-label': `${app.names[i]}: entropy map of ${chosen}` });
      if (one) drawEntropy(canvas as HTMLCanvasElement, one.grid, one.points, k.pictures[chosen], range);
      const lam = (v: number | null) => (v === null ? '—' : v.toFixed(3));
      const lambdas = m.images.map((im) => im.lambdaFg).filter((v): v is number => v !== null);
      return el(
        'figure',
        { class: 'compare-card' },
        el('h3', {}, `m${i + 1} ${app.names[i] ?? ''}`),
        canvas,
        el(
          'figcaption',
          { class: 'knowledge-numbers' },
          one ? `This image: N_fg ${one.nFg}, N_bg ${one.nBg}, λ_fg ${lam(one.lambdaFg)}` : '',
          el('br'),
          `Mean over ${m.images.length} image${m.images.length === 1 ? '' : 's'}: N_fg ${mean(m.images.map((im) => im.nFg)).toFixed(1)}, N_bg ${mean(m.images.map((im) => im.nBg)).toFixed(1)}, λ_fg ${lambdas.length ? mean(lambdas).toFixed(3) : '—'}`,
          ...(m.dMean !== undefined ? [el('br'), `D_mean ${m.dMean.toFixed(3)}, D_std ${m.dStd!.toFixed(3)}, ρ ${m.rho!.toFixed(3)}`] : []),
        ),
        openButton(i, `${k.folder}/${chosen}`),
      );
    }),
  );
  const withEpochs = k.models.map((m, i) => ({ m, i })).filter(({ m }) => m?.checkpoints?.length);
  $('knowledge-summary').textContent =
    `${done[0]!.steps} steps × ${done[0]!.samples} samples per image at ${done.map((m) => m!.layer).join(', ')}. Colour: the entropy of the learned noise, lowest (hot: the model cannot bear noise there) to highest among these maps (${range[0].toFixed(2)} to ${range[1].toFixed(2)} nats); rings: knowledge points.`;
  const box = $('nfg-box');
  box.hidden = withEpochs.length === 0;
  chart?.destroy();
  chart = undefined;
  if (withEpochs.length === 0) return;
  const epochs = Math.max(...withEpochs.map(({ m }) => m!.checkpoints!.length));
  const css = (v: string, f: string) => getComputedStyle(document.body).getPropertyValue(v).trim() || f;
  const palette = [
    '--vscode-charts-blue',
    '--vscode-charts-orange',
    '--vscode-charts-green',
    '--vscode-charts-purple',
    '--vscode-charts-red',
    '--vscode-charts-yellow',
  ];
  chart = new Chart($('nfg-chart') as HTMLCanvasElement, {
    type: 'line',
    data: {
      labels: Array.from({ length: epochs }, (_, e) => String(e)),
      datasets: withEpochs.map(({ m, i }, d) => ({
        label: `m${i + 1} ${app.names[i]}`,
        data: m!.checkpoints!.map((c) => c.nFg),
        borderColor: css(palette[d % palette.length], '#3794ff'),
        backgroundColor: css(palette[d % palette.length], '#3794ff'),
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: {
          title: { display: true, text: 'checkpoint (epoch)', color: css('--vscode-descriptionForeground', '#888') },
          ticks: { color: css('--vscode-foreground', '#ccc') },
        },
        y: {
          title: { display: true, text: 'mean N_fg', color: css('--vscode-descriptionForeground', '#888') },
          ticks: { color: css('--vscode-foreground', '#ccc') },
          beginAtZero: true,
        },
      },
      plugins: { legend: { labels: { color: css('--vscode-foreground', '#ccc') } } },
    },
  });
}
