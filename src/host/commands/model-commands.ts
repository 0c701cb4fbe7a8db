// The commands that open the model and pair panels: Open Model, Explain Image, Explain with Model, Explain Similarity.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ModelPanel } from '../../webviews/model/panel';
import { PairPanel } from '../../webviews/pair/panel';
import { ComparePanel } from '../../webviews/compare/panel';
import { DistillPanel } from '../../webviews/distill/panel';
import type { Services } from '../services';
import { isModelFile, pickModelFile, pickWorkspaceModel, pickWorkspaceModels, rememberModel } from '../model-picker';
import type { Register } from './register';

export function registerModelCommands(services: Services, register: Register): void {
  register('modelLens.openModel', async (uri?: vscode.Uri) => {
    const file = uri?.fsPath ?? (await pickModelFile(services, 'Open a model'));
    if (!file) return;
    await rememberModel(services, file);
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
    const model = await pickWorkspaceModel(services, `Explain ${path.basename(image)} with which model?`);
    if (!model) return;
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
    const file = uri?.fsPath ?? (await pickWorkspaceModel(services, 'Explain similarity with which encoder?'));
    if (!file) return;
    await rememberModel(services, file);
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { Images: ['png', 'jpg', 'jpeg'] },
      title: 'Choose the first view (an image)',
    });
    PairPanel.open(services, file, picked?.[0]?.fsPath);
  });

  // Compare Models: the models selected in the explorer (two or more), else a multi-select of the workspace's.
  register('modelLens.compareModels', async (uri?: vscode.Uri, uris?: vscode.Uri[]) => {
    // The file right-clicked is the reference (m1); the other selected files follow in explorer order.
    const all = (uris?.length ? uris : uri ? [uri] : []).map((u) => u.fsPath);
    const selected = (uri ? [uri.fsPath, ...all.filter((f) => f !== uri.fsPath)] : all).filter(isModelFile);
    const models = selected.length >= 2 ? selected : await pickWorkspaceModels('Compare which models?');
    if (!models) return;
    ComparePanel.open(services, models);
  });

  // Distil a Student: the form, with the model right-clicked (or the last one used) as the teacher.
  register('modelLens.distillStudent', (uri?: vscode.Uri) => {
    DistillPanel.open(services, uri?.fsPath && isModelFile(uri.fsPath) ? uri.fsPath : undefined);
  });
}
