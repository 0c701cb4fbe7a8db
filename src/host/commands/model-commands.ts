// The commands that open the model and pair panels: Open Model, Explain Image, Explain with Model, Explain Similarity.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_EXTENSIONS } from '../../core/model/specs';
import { ModelPanel } from '../../webviews/model/panel';
import { PairPanel } from '../../webviews/pair/panel';
import type { Services } from '../services';
import { modelTitle } from '../webview-html';
import type { Register } from './register';

const LAST_MODEL = 'modelLens.lastModel';

async function pickModel(services: Services, title: string): Promise<string | undefined> {
  const last = services.context.workspaceState.get<string>(LAST_MODEL);
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'Model (TF.js model.json, ONNX, Keras)': MODEL_EXTENSIONS },
    title,
    defaultUri: last ? vscode.Uri.file(path.dirname(last)) : vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const file = picked?.[0]?.fsPath;
  if (file) await services.context.workspaceState.update(LAST_MODEL, file);
  return file;
}

/** The model to use with an image: the last one of this workspace (offered first), or a new pick. */
async function modelForImage(services: Services): Promise<string | undefined> {
  const last = services.context.workspaceState.get<string>(LAST_MODEL);
  if (last) {
    const choice = await vscode.window.showQuickPick(
      [
        { label: modelTitle(last), description: vscode.workspace.asRelativePath(last), detail: 'The model used last in this workspace', file: last },
        { label: 'Choose another model…', file: undefined },
      ],
      { title: 'Explain with which model?' },
    );
    if (!choice) return undefined;
    if (choice.file) return choice.file;
  }
  return pickModel(services, 'Choose a model (model.json)');
}

export function registerModelCommands(services: Services, register: Register): void {
  const context = services.context;
  register('modelLens.openModel', async (uri?: vscode.Uri) => {
    const file = uri?.fsPath ?? (await pickModel(services, 'Open a model (model.json)'));
    if (!file) return;
    await context.workspaceState.update(LAST_MODEL, file);
    ModelPanel.open(services, file);
  });

  register('modelLens.explainImage', async (uri?: vscode.Uri) => {
    let image = uri?.fsPath;
    if (!image) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { Images: ['png', 'jpg', 'jpeg'] },
        title: 'Choose an image to explain',
      });
      image = picked?.[0]?.fsPath;
    }
    if (!image) return;
    const model = await modelForImage(services);
    if (!model) return;
    await context.workspaceState.update(LAST_MODEL, model);
    ModelPanel.open(services, model, image);
  });

  // From the explorer or the image editor's title bar: the image is given, the model is asked for.
  register('modelLens.explainWithModel', (uri?: vscode.Uri) => {
    const tabInput = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
    return vscode.commands.executeCommand('modelLens.explainImage', uri ?? tabInput?.uri);
  });

  // The pair panel: an encoder (from the explorer or a dialog), then the first view; the second
  // view starts as an augmentation of the first and can be changed in the panel.
  register('modelLens.explainSimilarity', async (uri?: vscode.Uri) => {
    const file = uri?.fsPath ?? (await pickModel(services, 'Choose an encoder (model.json)'));
    if (!file) return;
    await context.workspaceState.update(LAST_MODEL, file);
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { Images: ['png', 'jpg', 'jpeg'] },
      title: 'Choose the first view (an image)',
    });
    PairPanel.open(services, file, picked?.[0]?.fsPath);
  });
}
