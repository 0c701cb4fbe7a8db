// The pair panel's state in the browser: what the host sent, the user's settings and views (kept by
// VS Code while the panel is hidden), the result shown, and the one way messages go to the host.
import type { PairResultMessage } from '../../../protocol/worker';
import { webviewApi } from '../../shared/app/ui';
import type { FromPairWebview, PairModelInfo, PairPanelState } from '../protocol';

const vscode = webviewApi<FromPairWebview, PairPanelState>();

export const app = {
  root: vscode.root,
  state: vscode.initialState,
  model: undefined as PairModelInfo | undefined,
  luts: {} as Record<string, number[]>,
  result: undefined as PairResultMessage | undefined,
  /** The last full result, shown again when a probe is cleared. */
  main: undefined as PairResultMessage | undefined,
  probe: undefined as { view: 'a' | 'b'; top: number; left: number } | undefined,
};

export const post = (m: FromPairWebview) => vscode.post(m);
export const save = () => vscode.save(app.state);

let runTimer: number | undefined;
/** Saves the state and asks the host for a new explanation (debounced), when the first view is chosen. */
export function rerun(): void {
  save();
  app.probe = undefined;
  if (!app.state.imageA) return;
  window.clearTimeout(runTimer);
  runTimer = window.setTimeout(() => post({ type: 'run', state: { second: app.state.second, settings: app.state.settings } }), 150);
}
