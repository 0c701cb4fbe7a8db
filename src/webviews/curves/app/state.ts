// The curves panel's state in the browser: the settings and runs (kept by VS Code while the panel is
// hidden), every series received so far, the charts drawn, and the one way messages go to the host.
import type { Chart } from 'chart.js';
import { webviewApi } from '../../shared/app/ui';
import type { CurvesPanelState, FromCurvesWebview, RunMeta } from '../protocol';
import type { Store } from './look';

export type { Store } from './look';

const vscode = webviewApi<FromCurvesWebview, CurvesPanelState>();
export const post = (m: FromCurvesWebview): void => vscode.post(m);

export const app = {
  state: vscode.initialState,
  runs: [] as RunMeta[],
  /** The tag filter (a regular expression): this panel's, kept with its state. */
  filter: '',
};
/** Per run, per tag, the points received. */
export const data = new Map<string, Map<string, Store>>();
/** Per group, its chart. */
export const charts = new Map<string, Chart<'line'>>();
app.filter = app.state.filter ?? '';

export const key = (run: string, tag: string): string => `${run}\n${tag}`;
export const runName = (p: string): string => app.runs.find((r) => r.path === p)?.name ?? p;

/** Keeps the state in the webview and tells the host (which keeps it across reloads). */
export function saveState(): void {
  vscode.save(app.state);
  post({ type: 'state', state: app.state });
}

/** Keeps the state in the webview only. */
export function keepState(): void {
  vscode.save(app.state);
}
