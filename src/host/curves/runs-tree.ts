import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Run } from '../../core/logs/run';
import type { RunRegistry } from './run-registry';

type Node = { kind: 'root'; root: string; added: boolean } | { kind: 'run'; run: Run };

/**
 * The "Training Runs" view: runs grouped by where they were found (a workspace folder or an added
 * log folder). Ticked runs are overlaid in the curves panel; clicking a run shows its curves.
 */
export class RunsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Ticked runs (paths). */
  readonly checked = new Set<string>();
  readonly view: vscode.TreeView<Node>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly registry: RunRegistry) {
    this.view = vscode.window.createTreeView('modelLens.runs', { treeDataProvider: this, showCollapseAll: true, canSelectMany: false });
    let pending: NodeJS.Timeout | undefined;
    const soon = (): void => {
      clearTimeout(pending);
      pending = setTimeout(() => this.changed.fire(undefined), 500);
    };
    this.disposables.push(
      this.view,
      this.changed,
      registry.onDidChangeRuns(() => this.changed.fire(undefined)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('modelLens.curves.showEmptyRuns')) this.changed.fire(undefined);
      }),
      registry.onDidUpdate(soon),
      this.view.onDidChangeCheckboxState((e) => {
        for (const [node, state] of e.items) {
          if (node.kind !== 'run') continue;
          if (state === vscode.TreeItemCheckboxState.Checked) this.checked.add(node.run.path);
          else this.checked.delete(node.run.path);
        }
      }),
    );
  }

  getChildren(node?: Node): Node[] {
    // Runs with no scalars yet are listed greyed, or hidden by modelLens.curves.showEmptyRuns.
    const showEmpty = vscode.workspace.getConfiguration('modelLens.curves').get<boolean>('showEmptyRuns', true);
    const runs = [...this.registry.runs.values()].filter((r) => showEmpty || r.tags.size > 0);
    if (!node) {
      const roots = [...new Set(runs.map((r) => this.registry.rootOf.get(r.path)!))].sort();
      const added = new Set(this.registry.folders);
      for (const f of added) if (!roots.includes(f)) roots.push(f);
      if (roots.length === 1 && !added.has(roots[0])) return runs.map((run) => ({ kind: 'run', run }));
      return roots.map((root) => ({ kind: 'root', root, added: added.has(root) }));
    }
    if (node.kind === 'root') return runs.filter((r) => this.registry.rootOf.get(r.path) === node.root).map((run) => ({ kind: 'run', run }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'root') {
      const item = new vscode.TreeItem(path.basename(node.root), vscode.TreeItemCollapsibleState.Expanded);
      item.description = node.added ? node.root : undefined;
      item.iconPath = new vscode.ThemeIcon(node.added ? 'folder-library' : 'root-folder');
      item.contextValue = node.added ? 'modelLens.logFolder' : 'modelLens.workspaceRoot';
      item.resourceUri = vscode.Uri.file(node.root);
      return item;
    }
    const { run } = node;
    const root = this.registry.rootOf.get(run.path) ?? '';
    const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
    const rel = path.relative(root, run.path) || path.basename(run.path);
    const tags = [...run.tags.keys()];
    const empty = run.tags.size === 0;
    item.description = `${rel === run.name ? '' : rel + ' · '}${run.format}${empty ? ' · no scalars yet' : ''}`;
    item.tooltip = new vscode.MarkdownString(
      `**${run.name}** (${run.format})\n\n\`${run.path}\`\n\n${tags.length} tag${tags.length === 1 ? '' : 's'}: ${tags.slice(0, 12).join(', ')}${tags.length > 12 ? ', …' : ''}${run.corrupt ? `\n\n${run.corrupt} corrupt record(s) skipped` : ''}${run.incomplete ? `\n\n${run.incomplete} incomplete record(s) at the end of a file (${run.trailingBytes} bytes), read once complete` : ''}${empty ? `\n\nNo scalars yet in ${run.files.map((f) => `\`${path.basename(f.path)}\``).join(', ') || 'its files'}: a graph-only event file, or nothing logged so far.` : ''}`,
    );
    item.iconPath = empty
      ? new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'))
      : new vscode.ThemeIcon(run.corrupt ? 'warning' : 'graph-line');
    item.checkboxState = this.checked.has(run.path) ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
    item.contextValue = 'modelLens.run';
    item.id = run.path;
    item.command = { command: 'modelLens.showCurves', title: 'Show Training Curves', arguments: [vscode.Uri.file(run.path)] };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
