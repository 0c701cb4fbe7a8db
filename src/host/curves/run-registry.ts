import * as path from 'node:path';
import * as vscode from 'vscode';
import { findRuns, openRun, runsFromFiles, uniqueNames, type RunSpec } from '../../core/logs/discover';
import type { Run, RunDelta } from '../../core/logs/run';

const FOLDERS_KEY = 'modelLens.logFolders';
import { DEFAULT_LOG_GLOBS } from '../../core/logs/formats';

export { DEFAULT_LOG_GLOBS };

export interface RunUpdate {
  run: Run;
  delta: RunDelta;
}

/**
 * Every training run Model Lens knows: those under the workspace that match the
 * `modelLens.curves.logGlobs` setting, and those in folders the user added ("Add Log Folder…",
 * kept per workspace). Runs are polled (stat, then only the new bytes) every `pollMs` while
 * something listens; new and deleted log files are noticed by a file watcher and a periodic search.
 */
export class RunRegistry implements vscode.Disposable {
  readonly runs = new Map<string, Run>();
  /** Where each run was found: a workspace folder's path or an added folder. */
  readonly rootOf = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly updated = new vscode.EventEmitter<RunUpdate[]>();
  readonly onDidChangeRuns = this.changed.event;
  readonly onDidUpdate = this.updated.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.updated];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private refreshing: Promise<void> | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly pollMs = 500,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('modelLens.curves.logGlobs')) {
          this.watch();
          void this.refresh();
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()),
    );
    this.watch();
  }

  get folders(): string[] {
    return this.context.workspaceState.get<string[]>(FOLDERS_KEY, []);
  }

  async addFolder(folder: string): Promise<RunSpec[]> {
    const specs = await findRuns(folder);
    if (!this.folders.includes(folder)) await this.context.workspaceState.update(FOLDERS_KEY, [...this.folders, folder]);
    await this.refresh();
    return specs;
  }

  async removeFolder(folder: string): Promise<void> {
    await this.context.workspaceState.update(
      FOLDERS_KEY,
      this.folders.filter((f) => f !== folder),
    );
    await this.refresh();
  }

  private globs(): string[] {
    const g = vscode.workspace.getConfiguration('modelLens.curves').get<string[]>('logGlobs', DEFAULT_LOG_GLOBS);
    return Array.isArray(g) && g.length > 0 ? g : DEFAULT_LOG_GLOBS;
  }

  private watch(): void {
    this.watcher?.dispose();
    this.watcher = vscode.workspace.createFileSystemWatcher(`{${this.globs().join(',')}}`, false, true, false);
    const soon = (): void => {
      clearTimeout(this.rescanTimer);
      this.rescanTimer = setTimeout(() => void this.refresh(), 300);
    };
    this.watcher.onDidCreate(soon);
    this.watcher.onDidDelete(soon);
  }

  /** Searches the workspace and the added folders again; keeps the runs already open. */
  refresh(): Promise<void> {
    this.refreshing ??= this.search().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async search(): Promise<void> {
    const found: [RunSpec, string][] = [];
    const globs = this.globs();
    const files = await vscode.workspace.findFiles(`{${globs.join(',')}}`, '**/{node_modules,.git}/**', 20000);
    for (const spec of await runsFromFiles(files.map((u) => u.fsPath))) {
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(spec.path));
      found.push([spec, folder?.uri.fsPath ?? path.dirname(spec.path)]);
    }
    for (const folder of this.folders) {
      try {
        for (const spec of await findRuns(folder)) found.push([spec, folder]);
      } catch (err) {
        this.log.warn(`log folder ${folder}: ${(err as Error).message}`);
      }
    }
    let changed = false;
    const seen = new Set<string>();
    for (const [spec, root] of found) {
      seen.add(spec.path);
      if (this.runs.has(spec.path)) continue;
      this.open(spec, root);
      changed = true;
    }
    for (const p of [...this.runs.keys()]) {
      if (!seen.has(p) && this.runs.get(p)!.tags.size === 0) {
        this.runs.delete(p);
        changed = true;
      }
    }
    if (changed) this.rename();
    await this.poll();
    if (changed) this.changed.fire();
    this.ensurePolling();
  }

  /** Names that tell the runs apart: the shortest unique tail of each run's folder, relative to where it was found. */
  private rename(): void {
    const names = uniqueNames(
      [...this.runs.values()].map((r) => ({ path: r.path, name: this.given.get(r.path) })),
      (p) => this.rootOf.get(p),
    );
    for (const r of this.runs.values()) r.name = names.get(r.path) ?? r.name;
  }

  /** Run names their writers gave (MLflow's run_name). */
  private readonly given = new Map<string, string>();

  private open(spec: RunSpec, root: string): void {
    this.runs.set(spec.path, openRun(spec));
    this.rootOf.set(spec.path, root);
    if (spec.name) this.given.set(spec.path, spec.name);
  }

  private ensurePolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (++this.ticks % 20 === 0) void this.refresh(); // about every 10 s: new runs the watcher missed
      void this.poll();
    }, this.pollMs);
  }

  /** Reads what every run's files gained; fires one event with every run that changed. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const updates: RunUpdate[] = [];
      for (const run of this.runs.values()) {
        try {
          const hparams = run.hparams;
          const delta = await run.update();
          // New points, or hyper-parameters read anew (the panel's table shows them).
          if (delta.reset || delta.appended.size > 0 || run.hparams !== hparams) updates.push({ run, delta });
          if (delta.corrupt > 0) this.log.warn(`${run.path}: skipped ${delta.corrupt} corrupt record${delta.corrupt === 1 ? '' : 's'}`);
        } catch (err) {
          this.log.warn(`${run.path}: ${(err as Error).message}`);
        }
      }
      if (updates.length > 0) this.updated.fire(updates);
    } finally {
      this.polling = false;
    }
  }

  /** Runs under a path (a log file or a folder), searched if not known yet. */
  async runsUnder(p: string): Promise<Run[]> {
    const inside = [...this.runs.values()].filter((r) => r.path === p || r.path.startsWith(p + path.sep));
    if (inside.length > 0) return inside;
    const specs = await findRuns(p);
    for (const spec of specs) {
      if (!this.runs.has(spec.path)) this.open(spec, path.dirname(p));
    }
    this.rename();
    await this.poll();
    this.changed.fire();
    this.ensurePolling();
    return specs.map((s) => this.runs.get(s.path)!);
  }

  /** The run that logged `tag` most recently. */
  latest(tag: string): Run | undefined {
    let best: Run | undefined;
    for (const r of this.runs.values()) if (r.tags.get(tag)?.length && (!best || r.updated > best.updated)) best = r;
    return best;
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.rescanTimer);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
