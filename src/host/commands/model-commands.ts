// The commands that open the model and pair panels: Open Model, Explain Image, Explain with Model, Explain Similarity.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ModelPanel } from '../../webviews/model/panel';
import { PairPanel } from '../../webviews/pair/panel';
import { ComparePanel } from '../../webviews/compare/panel';
import { DistillPanel } from '../../webviews/distill/panel';
import { SprayPanel } from '../../webviews/spray/panel';
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

  // Find Shortcuts (SpRAy): a folder (right-clicked, else chosen), a model, a class; the panel runs at once.
  register('modelLens.findShortcuts', async (uri?: vscode.Uri) => {
    let folder = uri?.fsPath;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        title: 'Find shortcuts in which folder of images?',
      });
      folder = picked?.[0]?.fsPath;
    }
    if (!folder) return;
    const model = await pickWorkspaceModel(services, `Find shortcuts in ${path.basename(folder)} with which model?`);
    if (!model) return;
    await rememberModel(services, model);
    const summary = await services.track(() => services.worker.request('summary', { modelPath: model }), 'summary');
    const labels = summary.labels ?? [];
    let classArg: string | undefined;
    if (labels.length) {
      const pick = await vscode.window.showQuickPick(
        labels.map((l, i) => ({ label: l, description: `class ${i}` })),
        { title: `Which class's maps does SpRAy cluster?`, placeHolder: 'The class whose images may hide a shortcut' },
      );
      classArg = pick?.label;
    } else {
      const units = summary.outputs[0]?.shape.at(-1);
      classArg = await vscode.window.showInputBox({
        title: 'Which class (an index)?',
        prompt: `The model has no labels; give a class index${units ? ` from 0 to ${units - 1}` : ''}`,
        validateInput: (v) => (/^\d+$/.test(v.trim()) && (!units || Number(v) < units) ? undefined : `A whole number${units ? ` from 0 to ${units - 1}` : ''}`),
      });
    }
    if (classArg === undefined) return;
    SprayPanel.open(services, model, folder, classArg.trim(), labels);
  });

  // Distil a Student: the form, with the model right-clicked (or the last one used) as the teacher.
  register('modelLens.distillStudent', (uri?: vscode.Uri) => {
    DistillPanel.open(services, uri?.fsPath && isModelFile(uri.fsPath) ? uri.fsPath : undefined);
  });
}
