import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_EXTENSIONS } from './core/model/specs';
import { CurveDecorations } from './host/curves/decorations';
import { RunRegistry } from './host/curves/run-registry';
import { RunsTree } from './host/curves/runs-tree';
import { Services } from './host/services';
import { modelTitle } from './host/webview-html';
import { CurvesPanel, CURVES_VIEW_TYPE } from './webviews/curves/panel';
import type { CurvesPanelState } from './webviews/curves/protocol';
import { ModelPanel, VIEW_TYPE } from './webviews/model/panel';
import type { PanelState } from './webviews/model/protocol';
import { PairPanel, PAIR_VIEW_TYPE } from './webviews/pair/panel';
import type { PairPanelState } from './webviews/pair/protocol';

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

export function activate(context: vscode.ExtensionContext): void {
  const services = new Services(context);
  context.subscriptions.push(services);
  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

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

  register('modelLens.showLog', () => services.log.show());

  // Training curves: the run registry (discovery + tailing), the runs view, inline values, the panel.
  const registry = new RunRegistry(context, services.log);
  const tree = new RunsTree(registry);
  const decorations = new CurveDecorations(registry);
  context.subscriptions.push(registry, tree, decorations);
  void registry.refresh();

  register('modelLens.showCurves', async (arg?: vscode.Uri | { tag?: string }) => {
    // The watcher and the periodic search keep the runs current: search here only if none is known yet.
    if (registry.runs.size === 0) await registry.refresh();
    if (arg instanceof vscode.Uri) {
      try {
        const runs = await registry.runsUnder(arg.fsPath);
        if (runs.length === 0) return void vscode.window.showInformationMessage(`Model Lens: no training logs under ${vscode.workspace.asRelativePath(arg)}.`);
        CurvesPanel.open(
          services,
          registry,
          runs.map((r) => r.path),
        );
      } catch (err) {
        void vscode.window.showErrorMessage(`Model Lens: ${(err as Error).message}`);
      }
      return;
    }
    const tag = typeof arg?.tag === 'string' ? arg.tag : undefined;
    const all = [...registry.runs.values()];
    if (tag)
      return void CurvesPanel.open(
        services,
        registry,
        all.filter((r) => r.tags.get(tag)?.length).map((r) => r.path),
        tag,
      );
    // From the palette: the runs that log what the active training script logs, else the ticked ones, else a pick.
    const doc = vscode.window.activeTextEditor?.document;
    const scriptTags = doc ? new Set([...decorations.linesOf(doc).values()].flat()) : new Set<string>();
    let chosen = scriptTags.size ? all.filter((r) => [...r.tags.keys()].some((t) => scriptTags.has(t))).map((r) => r.path) : [...tree.checked];
    if (chosen.length === 0) {
      if (all.length === 0) {
        const add = await vscode.window.showInformationMessage('Model Lens: no training runs found in this workspace.', 'Add Log Folder…');
        if (add) await vscode.commands.executeCommand('modelLens.addLogFolder');
        return;
      }
      chosen = (await pickRuns()) ?? [];
      if (chosen.length === 0) return;
    }
    CurvesPanel.open(services, registry, chosen);
  });

  /** A multi-select of every known run, the panel's current runs ticked. */
  async function pickRuns(): Promise<string[] | undefined> {
    await registry.refresh();
    const shown = new Set(CurvesPanel.current?.runPaths ?? []);
    const picked = await vscode.window.showQuickPick(
      [...registry.runs.values()].map((r) => ({
        label: r.name,
        description: `${vscode.workspace.asRelativePath(r.path)} · ${r.format}`,
        picked: shown.has(r.path),
        path: r.path,
      })),
      { canPickMany: true, title: 'Show the curves of which runs?' },
    );
    return picked?.map((p) => p.path);
  }
  // The panel's "Choose runs…" button.
  register('modelLens.chooseRuns', async () => {
    const chosen = await pickRuns();
    if (chosen) CurvesPanel.open(services, registry, chosen);
  });

  register('modelLens.addLogFolder', async () => {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      title: 'Add a folder of training logs',
      openLabel: 'Add Log Folder',
    });
    const folder = picked?.[0]?.fsPath;
    if (!folder) return;
    try {
      const specs = await registry.addFolder(folder);
      void vscode.window.showInformationMessage(`Model Lens: ${specs.length} training run${specs.length === 1 ? '' : 's'} in ${folder}.`);
      if (specs.length > 0)
        CurvesPanel.open(
          services,
          registry,
          specs.map((s) => s.path),
        );
    } catch (err) {
      void vscode.window.showErrorMessage(`Model Lens: ${(err as Error).message}`);
    }
  });
  register('modelLens.removeLogFolder', (node?: { root?: string }) => (node?.root ? registry.removeFolder(node.root) : undefined));
  register('modelLens.refreshRuns', () => registry.refresh());

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined) {
        ModelPanel.revive(services, panel, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(CURVES_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: CurvesPanelState | undefined) {
        await registry.refresh();
        CurvesPanel.revive(services, registry, panel, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(PAIR_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PairPanelState | undefined) {
        PairPanel.revive(services, panel, state);
      },
    }),
  );
}

export function deactivate(): void {
  // Services are disposed through context.subscriptions.
}
