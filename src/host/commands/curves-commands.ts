// The training-curves commands: Show Training Curves, Choose Runs, Add / Remove Log Folder, Refresh.
import * as vscode from 'vscode';
import { CurvesPanel } from '../../webviews/curves/panel';
import type { CurveDecorations } from '../curves/decorations';
import type { RunRegistry } from '../curves/run-registry';
import type { RunsTree } from '../curves/runs-tree';
import type { Services } from '../services';
import type { Register } from './register';

export function registerCurvesCommands(services: Services, registry: RunRegistry, tree: RunsTree, decorations: CurveDecorations, register: Register): void {
  register('modelLens.showCurves', async (arg?: vscode.Uri | { tag?: string; script?: string }) => {
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
    // A CodeLens or hover of a script names the script: its runs only, never every run with that tag.
    const scriptDoc = typeof arg?.script === 'string' ? vscode.workspace.textDocuments.find((d) => d.uri.fsPath === arg.script) : undefined;
    if (tag)
      return void CurvesPanel.open(
        services,
        registry,
        (scriptDoc ? decorations.runsOf(scriptDoc) : all).filter((r) => r.tags.get(tag)?.length).map((r) => r.path),
        tag,
      );
    // From the palette: the runs the active training script writes, else the ticked ones, else a pick.
    const doc = vscode.window.activeTextEditor?.document;
    // From a training script: only the runs it writes (attribution), never every run that shares a tag name.
    const scriptRuns = doc ? decorations.runsOf(doc) : [];
    let chosen = scriptRuns.length ? scriptRuns.map((r) => r.path) : [...tree.checked];
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

  // Which run decorates the active script: the latest (default) or one the user picks among the script's runs.
  register('modelLens.chooseDecoratingRun', async () => {
    const doc = vscode.window.activeTextEditor?.document;
    const runs = doc ? decorations.runsOf(doc) : [];
    if (!doc || runs.length === 0)
      return void vscode.window.showInformationMessage('Model Lens: open a training script whose runs are known to choose the run that decorates it.');
    const config = vscode.workspace.getConfiguration('modelLens.curves');
    const current = config.get<string>('decoratingRun', '');
    const latest = { label: 'Latest', description: 'the most recently updated run', value: '' };
    const picked = await vscode.window.showQuickPick(
      [latest, ...runs.map((r) => ({ label: r.name, description: vscode.workspace.asRelativePath(r.path), value: r.name }))].map((i) => ({
        ...i,
        ...(i.value === current ? { detail: '(decorating now)' } : {}),
      })),
      { title: `Model Lens: the run whose values decorate ${vscode.workspace.asRelativePath(doc.uri)}` },
    );
    if (picked) await config.update('decoratingRun', picked.value, vscode.ConfigurationTarget.Workspace);
  });
}
