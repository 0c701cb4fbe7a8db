// The model panel's state in the browser: what the host sent, the user's settings (kept by VS Code
// while the panel is hidden), and the one way messages go to the host.
import type { ExplainResultMessage, ModelSummaryMessage } from '../../../protocol/worker';
import type { FromWebview, PanelState } from '../protocol';

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const root = document.getElementById('app')!;

export const app = {
  root,
  state: (vscode.getState() as PanelState | undefined) ?? (JSON.parse(root.dataset.state!) as PanelState),
  summary: undefined as ModelSummaryMessage | undefined,
  luts: {} as Record<string, number[]>,
  result: undefined as ExplainResultMessage | undefined,
  recent: [] as string[],
  sortKey: 'index' as 'index' | 'name' | 'type' | 'params',
  sortAsc: true,
};

export function post(m: FromWebview): void {
  vscode.postMessage(m);
}

export function save(): void {
  vscode.setState(app.state);
}

let runTimer: number | undefined;
/** Saves the settings and asks the host for a new explanation (debounced), when an image is chosen. */
export function rerun(): void {
  save();
  if (!app.state.imagePath) return;
  window.clearTimeout(runTimer);
  runTimer = window.setTimeout(() => post({ type: 'run', settings: app.state.settings }), 120);
}
