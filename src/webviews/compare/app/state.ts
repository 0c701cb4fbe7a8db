// The compare panel's state in the browser: the host's state (models, image, folder, settings), the
// results shown — both kept by VS Code while the panel is hidden and across a reload — and the one way
// messages go to the host.
import type { KnowledgeResultMessage } from '../../../protocol/worker';
import { webviewApi } from '../../shared/app/ui';
import type { ComparePanelState, FromCompareWebview, ToCompareWebview } from '../protocol';
import type { ModelColumn } from '../table';

export interface CompareResults {
  image?: Extract<ToCompareWebview, { type: 'imageResult' }>;
  folder?: Extract<ToCompareWebview, { type: 'folderResult' }>;
  knowledge?: { folder: string; models: (KnowledgeResultMessage | null)[]; pictures: Record<string, string> };
  /** The knowledge view's image. */
  knowledgeImage?: string;
  sort: { key: ModelColumn; descending: boolean };
}

type Saved = ComparePanelState & { results?: CompareResults };

const vscode = webviewApi<FromCompareWebview, Saved>();

export const app = {
  root: vscode.root,
  state: vscode.initialState as ComparePanelState,
  names: [] as string[],
  results: vscode.initialState.results ?? ({ sort: { key: 'name', descending: false } } as CompareResults),
};

export const post = (m: FromCompareWebview) => vscode.post(m);
export const save = () => vscode.save({ ...app.state, results: app.results });
