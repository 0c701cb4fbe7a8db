// Choosing a model: the workspace's model files (most recently used first) in a quick pick, or a file
// dialog that names every format Model Lens opens.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_EXTENSIONS, MODEL_FORMAT_TITLES } from '../core/model/specs';
import type { Services } from './services';
import { modelTitle } from './webview-html';

const RECENT_MODELS = 'modelLens.recentModels';
const LAST_MODEL = 'modelLens.lastModel';
/** The dialogs' filter: every format, named. */
const FILTER_NAME = `Models (${MODEL_FORMAT_TITLES})`;
/** A folder's model.json, or a file whose extension is a model format's (JSON files other than model.json are not models). */
const MODEL_GLOB = `**/{model.json,*.${MODEL_EXTENSIONS.filter((e) => e !== 'json').join(',*.')}}`;
const SKIP_GLOB = '{**/node_modules/**,**/.git/**,**/.venv/**,**/venv/**,**/dist/**}';
const CHECKPOINTS_SKIP_GLOB = `{${SKIP_GLOB.slice(1, -1)},**/checkpoints/**}`;

/** The models of this workspace, most recently used first. */
export function recentModels(services: Services): string[] {
  const list = services.context.workspaceState.get<string[]>(RECENT_MODELS);
  const last = services.context.workspaceState.get<string>(LAST_MODEL);
  return list ?? (last ? [last] : []);
}

/** Remembers a model as the most recently used. */
export async function rememberModel(services: Services, file: string): Promise<void> {
  await services.context.workspaceState.update(RECENT_MODELS, [file, ...recentModels(services).filter((f) => f !== file)].slice(0, 20));
  await services.context.workspaceState.update(LAST_MODEL, file);
}

/** A file dialog for a model: every supported format in its filter and title. */
export async function pickModelFile(services: Services, purpose: string): Promise<string | undefined> {
  const last = recentModels(services)[0];
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { [FILTER_NAME]: MODEL_EXTENSIONS },
    title: `${purpose} (${MODEL_FORMAT_TITLES})`,
    defaultUri: last ? vscode.Uri.file(path.dirname(last)) : vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const file = picked?.[0]?.fsPath;
  if (file) await rememberModel(services, file);
  return file;
}

/** The workspace's models in a quick pick — the most recently used first — and "Choose a model file…". */
export async function pickWorkspaceModel(services: Services, title: string): Promise<string | undefined> {
  // A run's per-epoch checkpoints are not offered (they would bury the models); the file dialog still opens them.
  const found = (await vscode.workspace.findFiles(MODEL_GLOB, CHECKPOINTS_SKIP_GLOB, 500)).map((u) => u.fsPath);
  const recent = recentModels(services);
  const order = (f: string): number => (recent.includes(f) ? recent.indexOf(f) : recent.length);
  const files = [...new Set([...recent.filter((f) => found.includes(f) || !vscode.workspace.getWorkspaceFolder(vscode.Uri.file(f))), ...found])].sort(
    (a, b) => order(a) - order(b) || a.localeCompare(b),
  );
  if (files.length === 0) return pickModelFile(services, title);
  const other = { label: '$(folder-opened) Choose a model file…', description: MODEL_FORMAT_TITLES, file: undefined as string | undefined };
  const choice = await vscode.window.showQuickPick(
    [
      ...files.map((f) => ({
        label: modelTitle(f),
        description: vscode.workspace.asRelativePath(f),
        detail: recent.includes(f) ? (recent[0] === f ? 'Used last' : 'Used before') : undefined,
        file: f as string | undefined,
      })),
      other,
    ],
    { title, matchOnDescription: true },
  );
  if (!choice) return undefined;
  if (!choice.file) return pickModelFile(services, title);
  await rememberModel(services, choice.file);
  return choice.file;
}

/** Two or more of the workspace's models (a multi-select quick pick, checkpoints left out), in the order listed. */
export async function pickWorkspaceModels(title: string): Promise<string[] | undefined> {
  const found = (await vscode.workspace.findFiles(MODEL_GLOB, CHECKPOINTS_SKIP_GLOB, 500)).map((u) => u.fsPath).sort();
  if (found.length < 2) {
    void vscode.window.showInformationMessage('Model Lens: comparing needs two or more model files in the workspace; select them in the explorer.');
    return undefined;
  }
  const choice = await vscode.window.showQuickPick(
    found.map((f) => ({ label: modelTitle(f), description: vscode.workspace.asRelativePath(f), file: f })),
    { title, canPickMany: true, matchOnDescription: true, placeHolder: 'The first one checked is the reference' },
  );
  if (!choice) return undefined;
  if (choice.length < 2) {
    void vscode.window.showInformationMessage('Model Lens: choose two or more models to compare.');
    return undefined;
  }
  return choice.map((c) => c.file);
}

/** Is this a file Model Lens opens as a model? */
export function isModelFile(file: string): boolean {
  const base = path.basename(file).toLowerCase();
  return base === 'model.json' || MODEL_EXTENSIONS.some((e) => e !== 'json' && base.endsWith(`.${e}`));
}
