// Browser-side helpers every panel's app shares: elements, vscode-elements selects, canvases, the busy row.
import { dispatch, type CommonToWebview, type MessageHandlers } from '../messages';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

/**
 * The webview's side of VS Code (acquireVsCodeApi may be called once per page): messages to the
 * host, typed by the panel's protocol, and the state VS Code keeps while the panel is hidden — or,
 * the first time, the state the host put in the page's #app element.
 */
export function webviewApi<Out, State>(): { post(m: Out): void; save(s: State): void; initialState: State; root: HTMLElement } {
  const api = acquireVsCodeApi();
  const root = document.getElementById('app')!;
  return {
    post: (m) => api.postMessage(m),
    save: (s) => api.setState(s),
    initialState: (api.getState() as State | undefined) ?? (JSON.parse(root.dataset.state!) as State),
    root,
  };
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string>, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** A labelled vscode-single-select. */
export function select(id: string, label: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const s = el('vscode-single-select', { id, 'aria-label': label });
  for (const [v, text] of options) s.append(el('vscode-option', v === value ? { value: v, selected: '' } : { value: v }, text));
  s.addEventListener('change', () => onChange((s as unknown as { value: string }).value));
  return el('div', { class: 'field' }, el('vscode-label', { for: id }, label), s);
}

export function paint(canvas: HTMLCanvasElement, data: ImageData): void {
  canvas.width = data.width;
  canvas.height = data.height;
  canvas.getContext('2d')!.putImageData(data, 0, 0);
}

/** The busy row (#progress, #status, #cancel) and the #error line every panel shows under its controls. */
export function busyRow(): HTMLElement[] {
  return [
    el(
      'div',
      { class: 'busy' },
      el('vscode-progress-bar', { id: 'progress', hidden: '' }),
      el('span', { id: 'status', role: 'status' }),
      el('vscode-button', { id: 'cancel', secondary: '', hidden: '' }, 'Cancel'),
    ),
    el('p', { id: 'error', class: 'error', role: 'alert', hidden: '' }),
  ];
}

/** The row with #progress, #status and #cancel. */
export function setBusy(running: boolean, what: string): void {
  const bar = $('progress') as unknown as { indeterminate: boolean; hidden: boolean };
  bar.hidden = !running;
  bar.indeterminate = true;
  $('cancel').hidden = !running;
  $('status').textContent = running ? `Running ${what}…` : '';
}

export function setProgress(done: number, total: number): void {
  const bar = $('progress') as unknown as { value?: number; max: number; indeterminate: boolean };
  bar.indeterminate = false;
  bar.max = total;
  bar.value = done;
}

/** A 256×1 colour bar of a lookup table (r, g, b per step). */
export function paintColorbar(canvas: HTMLCanvasElement, lut: number[]): void {
  const bar = new ImageData(256, 1);
  for (let i = 0; i < 256; i++) bar.data.set([lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2], 255], i * 4);
  paint(canvas, bar);
}

/**
 * The overlay, by the same rule as the core's colorize + blend: round((1 − α)·image + α·lut[round(t·255)]),
 * t = v for unsigned maps in [0, 1] and (v + 1)/2 for signed ones in [−1, 1].
 */
export function overlayPixels(
  picture: { width: number; height: number; rgba: Uint8ClampedArray },
  values: Float32Array,
  signed: boolean,
  lut: number[],
  opacity: number,
): ImageData {
  const { width, height, rgba } = picture;
  const out = new ImageData(width, height);
  const a = Math.min(1, Math.max(0, opacity));
  for (let p = 0; p < width * height; p++) {
    const t = signed ? (values[p] + 1) / 2 : values[p];
    const k = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
    for (let c = 0; c < 3; c++) out.data[p * 4 + c] = Math.round((1 - a) * rgba[p * 4 + c] + a * lut[k + c]);
    out.data[p * 4 + 3] = 255;
  }
  return out;
}

/** What every panel's webview does with the host's common messages: the busy row, progress, errors. */
export const COMMON_HANDLERS: MessageHandlers<CommonToWebview> = {
  busy: (msg) => setBusy(msg.running, msg.what),
  progress: (msg) => setProgress(msg.done, msg.total),
  error: (msg) => showError(msg.message),
  cancelled: (msg) => showCancelled(msg.what, !!msg.notRun),
};

/**
 * After a cancel: the result views (`.result-view`) keep the previous result, dimmed and marked as not
 * matching the current settings; the status line says so. A new result clears the mark (clearStale).
 */
export function showCancelled(what: string, notRun: boolean): void {
  const views = [...document.querySelectorAll<HTMLElement>('.result-view')].filter((v) => v.dataset.hasResult === 'true');
  for (const v of views) v.classList.add('stale');
  const previous = views.length ? ' — showing the previous result, made with the settings before the change' : '';
  $('status').textContent = `${notRun ? `${what}: not run` : `${what}: cancelled`}${previous}.`;
}

/** A new result is shown: it is current. */
export function clearStale(): void {
  for (const v of document.querySelectorAll<HTMLElement>('.result-view')) {
    v.classList.remove('stale');
    v.dataset.hasResult = 'true';
  }
}

/** Listens to the host's messages: each goes to the handler of its type. */
export function listenTo<M extends { type: string }>(handlers: MessageHandlers<M>): void {
  window.addEventListener('message', (event: MessageEvent<M>) => void dispatch(handlers, event.data));
}

/** The panel's #error line. */
export function showError(message: string): void {
  $('error').textContent = message;
  $('error').hidden = false;
}
