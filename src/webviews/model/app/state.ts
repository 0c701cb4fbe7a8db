// The model panel's state in the browser: what the host sent, the user's settings (kept by VS Code
// while the panel is hidden), and the one way messages go to the host.
import type { ExplainResultMessage, ModelSummaryMessage } from '../../../protocol/worker';
import { webviewApi } from '../../shared/app/ui';
import type { FromWebview, PanelState } from '../protocol';

const vscode = webviewApi<FromWebview, PanelState>();

export const app = {
  root: vscode.root,
  state: vscode.initialState,
  summary: undefined as ModelSummaryMessage | undefined,
  luts: {} as Record<string, number[]>,
  result: undefined as ExplainResultMessage | undefined,
  recent: [] as string[],
  sortKey: 'index' as 'index' | 'name' | 'type' | 'params',
  sortAsc: true,
};

export function post(m: FromWebview): void {
  vscode.post(m);
}

export function save(): void {
  vscode.save(app.state);
}

let runTimer: number | undefined;
/** Saves the settings and asks the host for a new explanation (debounced), when an image is chosen. */
export function rerun(): void {
  save();
  if (!app.state.imagePath) return;
  window.clearTimeout(runTimer);
  runTimer = window.setTimeout(() => post({ type: 'run', settings: app.state.settings }), 120);
}
