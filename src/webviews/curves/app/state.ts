// The curves panel's state in the browser: the settings and runs (kept by VS Code while the panel is
// hidden), every series received so far, the charts drawn, and the one way messages go to the host.
import type { Chart } from 'chart.js';
import { webviewApi } from '../../shared/app/ui';
import type { ChartSpec } from '../layout';
import { defaultCurvesSettings, parseCurvesSettings, type CurvesPanelState, type FromCurvesWebview, type RunMeta } from '../protocol';
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
/** Per chart id, its chart and what it draws. */
export const charts = new Map<string, { chart: Chart<'line'>; spec: ChartSpec }>();
app.filter = app.state.filter ?? '';
// A state kept from an older version lacks newer settings: fill them in.
app.state.settings = parseCurvesSettings(app.state.settings) ?? defaultCurvesSettings();

export const key = (run: string, tag: string): string => `${run}\n${tag}`;
export const runName = (p: string): string => app.runs.find((r) => r.path === p)?.name ?? p;
/** The runs drawn: the panel's, less those the run legend hides. */
export const visibleRuns = (): string[] => app.state.runs.filter((r) => !app.state.settings.hiddenRuns.includes(r));
/** A run's colour index: its place among the panel's runs, so that it keeps its colour on every chart. */
export const runIndex = (run: string): number => app.state.runs.indexOf(run);

/** Keeps the state in the webview and tells the host (which keeps it across reloads). */
export function saveState(): void {
  vscode.save(app.state);
  post({ type: 'state', state: app.state });
}

/** Keeps the state in the webview only. */
export function keepState(): void {
  vscode.save(app.state);
}
