// The pair panel's pictures: both views' overlays, a partial map while occlusion runs, the probe window, the colour bar and the numbers.
import type { MapGrid, PairResultMessage } from '../../../protocol/worker';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../../../core/image/specs';
import { $, el, overlayPixels, paint, paintColorbar } from '../../shared/app/ui';
import { colorbarLabels, trialsNote } from './labels';
import { app, post } from './state';

export function colormapFor(r: PairResultMessage): string {
  return r.signed && app.state.settings.colormap === DEFAULT_COLORMAP ? SIGNED_COLORMAP : app.state.settings.colormap;
}

export function draw(): void {
  if (!app.result || !app.luts.turbo) return;
  const cmap = colormapFor(app.result);
  for (const view of ['a', 'b'] as const)
    paint(
      $(`overlay-${view}`) as HTMLCanvasElement,
      overlayPixels(app.result[view].picture, app.result[view].image.values, app.result.signed, app.luts[cmap], app.state.settings.opacity),
    );
  if (app.probe) {
    // The occluded window on the clicked view.
    const w = Number(app.result.params.window ?? 0);
    const canvas = $(`overlay-${app.probe.view}`) as HTMLCanvasElement;
    const sx = canvas.width / app.result.inputSize.width;
    const sy = canvas.height / app.result.inputSize.height;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = 'rgba(0,0,0,0.75)';
    ctx.fillRect(app.probe.left * sx, app.probe.top * sy, w * sx, w * sy);
  }
  paintColorbar($('colorbar') as HTMLCanvasElement, app.luts[cmap]);
  $('colorbar-labels').replaceChildren(...colorbarLabels(app.result).map((t) => el('span', {}, t)));
  $('similarity').textContent =
    `${app.result.similarity} similarity ${app.result.base.toFixed(4)} · embedding ${app.result.embedding}${app.result.layer ? ` · features ${app.result.layer}` : ''}`;
  $('timing').textContent = `${app.result.method}${trialsNote(app.result)} · ${app.result.timeMs.toFixed(0)} ms on ${app.result.backend}`;
  for (const view of ['a', 'b'] as const) {
    const m = app.result[view].metrics;
    $(`metrics-${view}`).textContent = m
      ? `deletion AUC ${m.deletion.auc.toFixed(3)} · insertion AUC ${m.insertion.auc.toFixed(3)} (areas under the similarity curves below; a similarity below 0 makes an area negative)`
      : '';
    drawMetricCurves($(`metrics-curve-${view}`) as HTMLCanvasElement, m);
  }
  $('probe-note').hidden = !app.probe;
  if (app.probe)
    $('probe-text').textContent =
      `Showing the maps with view ${app.probe.view.toUpperCase()} occluded at (${app.probe.left}, ${app.probe.top}): compare view ${app.probe.view === 'a' ? 'B' : 'A'} with the full result.`;
}

const cssVar = (v: string, fallback: string): string => getComputedStyle(document.body).getPropertyValue(v).trim() || fallback;

/**
 * Deletion and insertion as curves: the similarity (y, its range labelled) as the most important
 * pixels are removed (deletion, falling fast is good) or added back to a blurred view (insertion,
 * rising fast is good), x the fraction of pixels from 0 to 1.
 */
export function drawMetricCurves(canvas: HTMLCanvasElement, m: { deletion: { curve: number[] }; insertion: { curve: number[] } } | undefined): void {
  canvas.hidden = !m;
  if (!m) return;
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  const fg = cssVar('--vscode-foreground', '#333');
  const muted = cssVar('--vscode-descriptionForeground', '#888');
  ctx.clearRect(0, 0, W, H);
  const all = [...m.deletion.curve, ...m.insertion.curve].filter(Number.isFinite);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const left = 44;
  const right = W - 8;
  const top = 8;
  const bottom = H - 30;
  const x = (i: number, n: number) => left + ((right - left) * i) / Math.max(1, n - 1);
  const y = (v: number) => bottom - ((bottom - top) * (v - lo)) / (hi - lo);
  ctx.strokeStyle = muted;
  ctx.lineWidth = 1;
  ctx.strokeRect(left, top, right - left, bottom - top);
  if (lo < 0 && hi > 0) {
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(left, y(0));
    ctx.lineTo(right, y(0));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.fillStyle = muted;
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'right';
  ctx.fillText(hi.toFixed(2), left - 4, top + 8);
  ctx.fillText(lo.toFixed(2), left - 4, bottom);
  ctx.textAlign = 'center';
  ctx.fillText('0', left, bottom + 12);
  ctx.fillText('fraction of pixels', (left + right) / 2, bottom + 12);
  ctx.fillText('1', right, bottom + 12);
  const series: [number[], string, string][] = [
    [m.deletion.curve, cssVar('--vscode-charts-red', '#e15759'), 'deletion'],
    [m.insertion.curve, cssVar('--vscode-charts-blue', '#4e9af1'), 'insertion'],
  ];
  series.forEach(([curve, color, name], k) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    curve.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i, curve.length), y(v)) : ctx.lineTo(x(i, curve.length), y(v))));
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillRect(left + 8 + k * 90, H - 10, 14, 3);
    ctx.fillStyle = fg;
    ctx.textAlign = 'left';
    ctx.fillText(name, left + 26 + k * 90, H - 6);
  });
  canvas.setAttribute(
    'aria-label',
    `Similarity as pixels are deleted (from ${m.deletion.curve[0]?.toFixed(3)} to ${m.deletion.curve.at(-1)?.toFixed(3)}) and inserted (from ${m.insertion.curve[0]?.toFixed(3)} to ${m.insertion.curve.at(-1)?.toFixed(3)})`,
  );
}

/** A partial map (window resolution) drawn over the view while the job runs. */
export function drawPartial(view: 'a' | 'b', grid: MapGrid): void {
  if (!app.result || !app.luts.turbo) return;
  const canvas = $(`overlay-${view}`) as HTMLCanvasElement;
  const pic = app.result[view].picture;
  paint(canvas, new ImageData(new Uint8ClampedArray(pic.rgba), pic.width, pic.height));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grid.values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const lut = app.luts[app.state.settings.colormap];
  const small = new ImageData(grid.width, grid.height);
  for (let p = 0; p < grid.width * grid.height; p++) {
    const k = Math.round((hi > lo ? (grid.values[p] - lo) / (hi - lo) : 0) * 255) * 3;
    small.data.set([lut[k], lut[k + 1], lut[k + 2], 255], p * 4);
  }
  const tmp = document.createElement('canvas');
  paint(tmp, small);
  const ctx = canvas.getContext('2d')!;
  ctx.globalAlpha = app.state.settings.opacity;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  ctx.globalAlpha = 1;
}

export function renderNames(): void {
  $('image-a').textContent = app.state.imageA ?? 'Choose the first view.';
  $('image-b').textContent =
    app.state.second.kind === 'augment'
      ? `augmented: ${app.state.second.spec} (seed ${app.state.settings.seed})`
      : (app.state.second.path ?? 'Choose the second view.');
}

export function onCanvasClick(view: 'a' | 'b', e: MouseEvent): void {
  if (!app.main || !app.result) return;
  const canvas = e.currentTarget as HTMLCanvasElement;
  const rect = canvas.getBoundingClientRect();
  const w = Number(app.main.params.window ?? Math.max(1, Math.round((64 * Math.min(app.main.inputSize.width, app.main.inputSize.height)) / 224)));
  const x = ((e.clientX - rect.left) / rect.width) * app.main.inputSize.width;
  const y = ((e.clientY - rect.top) / rect.height) * app.main.inputSize.height;
  const clamp = (v: number, size: number) => Math.max(0, Math.min(size - w, Math.round(v - w / 2)));
  post({ type: 'probe', view, top: clamp(y, app.main.inputSize.height), left: clamp(x, app.main.inputSize.width) });
}
