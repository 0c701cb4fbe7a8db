import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MessageHandlers } from '../shared/messages';
import { CSV_EXPORT_HEADER } from '../../core/logs/formats';
import type { Run } from '../../core/logs/run';
import type { RunRegistry, RunUpdate } from '../../host/curves/run-registry';
import { PanelBase } from '../../host/panel-base';
import { savePng } from '../../host/panel-actions';
import type { Services } from '../../host/services';
import { panelOptions } from '../../host/webview-html';
import { seriesData } from './series-data';
import {
  defaultCurvesSettings,
  parseCurvesSettings,
  parseFromCurvesWebview,
  type CurvesPanelState,
  type FromCurvesWebview,
  type RunMeta,
  type SeriesData,
  type ToCurvesWebview,
} from './protocol';

export const CURVES_VIEW_TYPE = 'modelLens.curves';
/**
 * The curves panel's host side: the chosen runs' series sent in full once, then only what each
 * poll appended (or in full again after a rewrite); PNG and CSV export.
 */
export class CurvesPanel extends PanelBase<FromCurvesWebview, ToCurvesWebview> {
  static current: CurvesPanel | undefined;
  private state: CurvesPanelState;

  /** Opens (or reuses) the panel beside the active editor showing `runs`, scrolled to `focus`. */
  static open(services: Services, registry: RunRegistry, runs: string[], focus?: string): CurvesPanel {
    const p = CurvesPanel.current;
    if (p) {
      // Opened anew for these runs: this panel's tag filter and hidden runs do not carry over to them.
      p.state = { runs, ...(focus ? { focus } : {}), settings: { ...p.state.settings, hiddenRuns: [] } };
      p.panel.reveal(vscode.ViewColumn.Beside, true);
      p.sendAll();
      if (focus) p.post({ type: 'focus', tag: focus });
      return p;
    }
    const panel = vscode.window.createWebviewPanel(
      CURVES_VIEW_TYPE,
      'Training Curves',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...panelOptions(services.context.extensionUri), retainContextWhenHidden: false },
    );
    return new CurvesPanel(services, registry, panel, { runs, focus, settings: CurvesPanel.savedSettings(services) });
  }

  static revive(services: Services, registry: RunRegistry, panel: vscode.WebviewPanel, state: CurvesPanelState | undefined): CurvesPanel {
    panel.webview.options = panelOptions(services.context.extensionUri);
    const runs = Array.isArray(state?.runs) ? state.runs.filter((r) => typeof r === 'string') : [];
    const settings = parseCurvesSettings(state?.settings) ?? CurvesPanel.savedSettings(services);
    return new CurvesPanel(services, registry, panel, { runs, focus: state?.focus, settings });
  }

  private static savedSettings(services: Services): CurvesPanelState['settings'] {
    // The last panel's smoothing, axes and toggles; the runs it hid are its own.
    const saved = parseCurvesSettings(services.context.globalState.get('modelLens.curvesSettings')) ?? defaultCurvesSettings();
    return { ...saved, hiddenRuns: [] };
  }

  private constructor(
    services: Services,
    private readonly registry: RunRegistry,
    panel: vscode.WebviewPanel,
    state: CurvesPanelState,
  ) {
    super(services, panel, { app: 'curves', title: 'Model Lens: training curves', state, what: 'curves panel' }, parseFromCurvesWebview);
    this.state = state;
    CurvesPanel.current = this;
    this.disposables.push(
      registry.onDidUpdate((updates) => this.onUpdates(updates)),
      registry.onDidChangeRuns(() => this.post({ type: 'runs', runs: this.metas() })),
    );
  }

  get runPaths(): string[] {
    return [...this.state.runs];
  }

  private runs(): Run[] {
    return this.state.runs.map((p) => this.registry.runs.get(p)).filter((r): r is Run => r !== undefined);
  }

  private metas(): RunMeta[] {
    return this.runs().map((r) => {
      this.sentHparams.set(r.path, r.hparams);
      return {
        path: r.path,
        name: r.name,
        format: r.format,
        corrupt: r.corrupt,
        incomplete: r.incomplete,
        deleted: r.deleted,
        ...(r.hparams ? { hparams: r.hparams } : {}),
      };
    });
  }

  /** The runs, the filter and hidden runs as kept here, and every shown run's series. */
  private sendAll(): void {
    this.post({ type: 'runs', runs: this.metas(), view: { filter: this.state.filter ?? '', hiddenRuns: this.state.settings.hiddenRuns } });
    for (const r of this.runs())
      this.post({ type: 'data', run: r.path, reset: true, tags: Object.fromEntries([...r.tags].map(([t, s]) => [t, seriesData(t, s)])) });
  }

  /** The hyper-parameters last sent per run: a run whose hparams were (re)read is sent again. */
  private readonly sentHparams = new Map<string, unknown>();

  private onUpdates(updates: RunUpdate[]): void {
    if (updates.some(({ run }) => this.state.runs.includes(run.path) && this.sentHparams.get(run.path) !== run.hparams))
      this.post({ type: 'runs', runs: this.metas() });
    for (const { run, delta } of updates) {
      if (!this.state.runs.includes(run.path)) continue;
      if (delta.reset) {
        this.post({ type: 'data', run: run.path, reset: true, tags: Object.fromEntries([...run.tags].map(([t, s]) => [t, seriesData(t, s)])) });
        continue;
      }
      const tags: Record<string, SeriesData> = {};
      for (const [tag, from] of delta.appended) {
        const s = run.tags.get(tag);
        if (s) tags[tag] = seriesData(tag, s, from);
      }
      this.post({ type: 'data', run: run.path, reset: false, tags });
    }
  }

  protected readonly handlers: MessageHandlers<FromCurvesWebview> = {
    ready: () => {
      this.sendAll();
      if (this.state.focus) this.post({ type: 'focus', tag: this.state.focus });
    },
    state: async (msg) => {
      this.state = msg.state;
      await this.services.context.globalState.update('modelLens.curvesSettings', msg.state.settings);
    },
    exportPng: (msg) => savePng(msg.dataUrl, path.join(this.defaultFolder(), 'curves.png')),
    exportCsv: () => this.exportCsv(),
    addRuns: () => void vscode.commands.executeCommand('modelLens.chooseRuns'),
  };

  /** Where exports are offered: the workspace folder (outside the log folders, so an export is not mistaken for a log), else the home folder. */
  private defaultFolder(): string {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
  }

  /** Every point of the shown runs as CSV: run, tag, step, wall_time, value (NaN and ±inf as written). */
  private async exportCsv(): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(this.defaultFolder(), 'curves.csv')),
      filters: { CSV: ['csv'] },
    });
    if (!target) return;
    const q = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    // The header marks an export: discovery never takes such a file for a run (CSV_EXPORT_HEADER).
    const rows = [CSV_EXPORT_HEADER];
    for (const r of this.runs()) {
      for (const [tag, s] of r.tags) {
        for (let i = 0; i < s.length; i++) {
          const v = s.values[i];
          rows.push(
            `${q(r.name)},${q(tag)},${s.steps[i]},${Number.isFinite(s.walls[i]) ? s.walls[i] : ''},${Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v}`,
          );
        }
      }
    }
    await vscode.workspace.fs.writeFile(target, Buffer.from(rows.join('\n') + '\n'));
    void vscode.window.showInformationMessage(`Model Lens: saved ${target.fsPath}`);
  }

  override dispose(): void {
    if (CurvesPanel.current === this) CurvesPanel.current = undefined;
    super.dispose();
  }
}
