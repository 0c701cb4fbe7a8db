import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MessageHandlers } from '../shared/messages';
import { DEFAULT_METHOD, methodSpec, type MethodName } from '../../core/explain/specs';
import type { ExplainJob, MapGrid } from '../../protocol/worker';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP, type ColormapName } from '../../core/image/specs';
import { colormapLuts } from '../../core/image/colormap';

import type { Services } from '../../host/services';
import { PanelBase } from '../../host/panel-base';
import { copyJson, savePngBytes } from '../../host/panel-actions';
import { savePreprocessTo } from '../../core/model/modellens-json';
import { pickWorkspaceModel } from '../../host/model-picker';
import { panelOptions, modelTitle } from '../../host/webview-html';
import { parseFromWebview, type FromWebview, type PanelSettings, type PanelState, type ToWebview } from './protocol';

export const VIEW_TYPE = 'modelLens.model';
/** The custom editors (package.json customEditors): the default for .onnx and .keras; an Open With… option for .h5 and model.json. */
export const MODEL_EDITOR_VIEW_TYPES = ['modelLens.modelEditor', 'modelLens.modelEditorOption'] as const;
const EDITOR_STATE_KEY = 'modelLens.editorState';
const RECENT_KEY = 'modelLens.recentImages';

export function defaultSettings(): PanelSettings {
  const cfg = vscode.workspace.getConfiguration('modelLens');
  const batchSize = cfg.get<number>('batchSize', 0);
  return {
    method: cfg.get<string>('defaultMethod', DEFAULT_METHOD),
    target: 'top',
    output: 0,
    colormap: cfg.get<string>('colormap', DEFAULT_COLORMAP),
    opacity: cfg.get<number>('overlayOpacity', 0.5),
    params: batchSize > 0 ? { batchSize } : {},
  };
}

/** The model panel's host side: owns the webview, validates its messages, runs jobs in the worker. */
/** Jobs expected to take longer than this many seconds are announced before they run. */
export const LONG_JOB_SECONDS = 30;
const SKIP_LONG_JOB_KEY = 'modelLens.skipLongJobWarning';

/** 95 → "1 min 35 s", 42 → "42 s". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export class ModelPanel extends PanelBase<FromWebview, ToWebview> {
  private static readonly panels = new Set<ModelPanel>();
  private state: PanelState;

  static open(services: Services, modelPath: string, imagePath?: string): ModelPanel {
    for (const p of ModelPanel.panels) {
      if (p.state.modelPath === modelPath) {
        p.panel.reveal();
        if (imagePath) void p.setImage(imagePath);
        return p;
      }
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      `Model Lens: ${modelTitle(modelPath)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      ModelPanel.options(services),
    );
    return new ModelPanel(services, panel, { modelPath, imagePath, settings: defaultSettings() });
  }

  /**
   * The model panel as a read-only custom editor: the editor's tab is the panel, for the document's
   * file, with the state VS Code kept for it (the same app and state as a panel).
   */
  static asEditor(services: Services, panel: vscode.WebviewPanel, modelPath: string, state: PanelState | undefined): ModelPanel {
    panel.webview.options = ModelPanel.options(services);
    const saved = services.context.workspaceState.get<Record<string, PanelState>>(EDITOR_STATE_KEY, {})[modelPath];
    const kept = state && state.modelPath === modelPath ? state : saved;
    const p = new ModelPanel(services, panel, { modelPath, imagePath: kept?.imagePath, settings: { ...defaultSettings(), ...kept?.settings } });
    p.editor = true;
    return p;
  }

  /** The explanation on screen: what Export PNG renders (with the panel's colormap and opacity). */
  private shown: { imagePath: string; map: MapGrid; signed: boolean } | undefined;

  /** Whether this panel is a custom editor's (its load failure then offers Reopen With…). */
  private editor = false;

  /** A custom editor's image and settings, per model file, for the next time the file is opened. */
  private async keepEditorState(): Promise<void> {
    const all = this.services.context.workspaceState.get<Record<string, PanelState>>(EDITOR_STATE_KEY, {});
    const entries = Object.entries({ ...all, [this.state.modelPath]: this.state }).slice(-50);
    await this.services.context.workspaceState.update(EDITOR_STATE_KEY, Object.fromEntries(entries));
  }

  static revive(services: Services, panel: vscode.WebviewPanel, state: PanelState | undefined): ModelPanel | undefined {
    if (!state || typeof state.modelPath !== 'string') {
      panel.dispose();
      return undefined;
    }
    panel.webview.options = ModelPanel.options(services);
    return new ModelPanel(services, panel, { ...state, settings: { ...defaultSettings(), ...state.settings } });
  }

  private static options(services: Services): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return panelOptions(services.context.extensionUri);
  }

  private constructor(services: Services, panel: vscode.WebviewPanel, state: PanelState) {
    super(services, panel, { app: 'model', title: 'Model Lens', state, what: 'model panel' }, parseFromWebview);
    this.state = state;
    ModelPanel.panels.add(this);
    if (state.imagePath) void this.remember(state.imagePath);
  }

  private recent(): string[] {
    return this.services.context.workspaceState.get<string[]>(RECENT_KEY, []);
  }

  private async remember(imagePath: string): Promise<string[]> {
    const list = [imagePath, ...this.recent().filter((p) => p !== imagePath)].slice(0, 10);
    await this.services.context.workspaceState.update(RECENT_KEY, list);
    return list;
  }

  /** Shows an image; it joins Recent images once it has been explained (a broken image never does). */
  async setImage(imagePath: string): Promise<void> {
    this.state = { ...this.state, imagePath };
    this.post({ type: 'image', imagePath, recent: this.recent() });
  }

  /** Another model in this panel (after a failed load, "Choose another model…"). */
  private async chooseModel(): Promise<void> {
    const file = await pickWorkspaceModel(this.services, 'Explain with which model?');
    if (!file) return;
    this.state = { ...this.state, modelPath: file, settings: { ...defaultSettings() } };
    this.panel.title = `Model Lens: ${modelTitle(file)}`;
    await this.init();
  }

  protected readonly handlers: MessageHandlers<FromWebview> = {
    ready: () => this.init(),
    run: (msg) => {
      this.state = { ...this.state, settings: msg.settings };
      return this.run();
    },
    cancel: () => this.job?.abort(),
    chooseModel: () => this.chooseModel(),
    reopenWith: () => void vscode.commands.executeCommand('workbench.action.reopenWithEditor', vscode.Uri.file(this.state.modelPath)),
    pickImage: async () => {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { Images: ['png', 'jpg', 'jpeg'] },
        title: 'Choose an image to explain',
      });
      if (picked?.[0]) await this.setImage(picked[0].fsPath);
    },
    useImage: async (msg) => {
      if (this.recent().includes(msg.path)) await this.setImage(msg.path);
    },
    dropUri: async (msg) => {
      let uri: vscode.Uri;
      try {
        uri = vscode.Uri.parse(msg.uri.split(/\r?\n/)[0].trim(), true);
      } catch {
        return;
      }
      if (uri.scheme === 'file' && /\.(png|jpe?g)$/i.test(uri.fsPath)) await this.setImage(uri.fsPath);
      else this.post({ type: 'error', message: `${uri.fsPath || msg.uri}: only PNG and JPEG files can be dropped here.` });
    },
    preview: () => this.preview(),
    metrics: (msg) => {
      this.state = { ...this.state, settings: msg.settings };
      return this.metrics(msg.sanity);
    },
    exportPng: async () => {
      const { imagePath, modelPath, settings } = this.state;
      const shown = this.shown;
      if (!imagePath || !shown || shown.imagePath !== imagePath) return;
      try {
        const colormap = (shown.signed && settings.colormap === DEFAULT_COLORMAP ? SIGNED_COLORMAP : settings.colormap) as ColormapName;
        const png = await this.services.worker.request('exportPng', {
          modelPath,
          imagePath,
          map: shown.map,
          signed: shown.signed,
          colormap,
          opacity: settings.opacity,
          size: settings.exportSize,
          colorbar: settings.exportColorbar,
        });
        const base = path.basename(imagePath).replace(/\.(png|jpe?g)$/i, '');
        await savePngBytes(png, path.join(path.dirname(imagePath), `${base}.${settings.method}.png`));
      } catch (err) {
        this.fail(err as Error);
      }
    },
    copyJson: (msg) => copyJson(msg.json, 'the explanation'),
    savePreprocess: async (msg) => {
      try {
        const file = await savePreprocessTo(this.state.modelPath, msg.preprocess);
        this.state = { ...this.state, settings: { ...this.state.settings, preprocess: undefined } };
        this.post({ type: 'preprocessSaved', file, preprocess: msg.preprocess });
        void vscode.window.showInformationMessage(`Model Lens: preprocessing saved to ${vscode.workspace.asRelativePath(file)}.`);
      } catch (err) {
        this.post({ type: 'error', message: (err as Error).message });
      }
    },
  };

  private async init(): Promise<void> {
    try {
      const summary = await this.services.track(() => this.services.worker.request('summary', { modelPath: this.state.modelPath }), 'summary');
      const luts = colormapLuts();
      this.post({ type: 'init', summary, luts, state: this.state, recent: this.recent() });
    } catch (err) {
      // The panel stays usable: it says why and offers another model.
      this.services.log.error((err as Error).message);
      this.post({ type: 'loadFailed', modelPath: this.state.modelPath, message: (err as Error).message, reopenWith: this.editor });
    }
  }

  /**
   * Before a job expected to take more than LONG_JOB_SECONDS: its passes and time, and a choice to run it
   * (once per workspace, "Don't ask again"). True to run.
   */
  private async confirmLongJob(job: ExplainJob): Promise<boolean> {
    const spec = methodSpec(job.method as MethodName);
    if (!spec?.batched || this.services.context.workspaceState.get<boolean>(SKIP_LONG_JOB_KEY)) return true;
    const e = await this.services.worker.request('estimate', job);
    // The passes are shared out over the pool's workers (one core each).
    const workers = this.services.explainWorkers(job.method);
    const seconds = e.seconds / workers;
    if (seconds <= LONG_JOB_SECONDS) return true;
    const run = 'Run';
    const always = "Run, and don't ask again";
    const pick = await vscode.window.showWarningMessage(
      `Model Lens: ${spec.title} will make ${e.passes.toLocaleString('en-US')} passes through the model (${e.what}), about ${duration(seconds)} at ${e.msPerPass.toFixed(0)} ms a pass${e.backward ? ' and its backward pass' : ''}${workers > 1 ? ` on ${workers} workers` : ''}. Run it?`,
      run,
      always,
    );
    if (pick === always) await this.services.context.workspaceState.update(SKIP_LONG_JOB_KEY, true);
    return pick !== undefined;
  }

  /** The explain job of the panel's image and settings (the explanation and its metrics). */
  private explainJob(imagePath: string): ExplainJob {
    const { modelPath, settings } = this.state;
    return {
      modelPath,
      imagePath,
      method: settings.method,
      layers: settings.layer ? [settings.layer] : undefined,
      target: settings.target,
      output: settings.output,
      params: settings.params,
      preprocess: settings.preprocess,
    };
  }

  private async run(): Promise<void> {
    const { imagePath, settings } = this.state;
    if (!imagePath) return;
    const job = this.explainJob(imagePath);
    if (this.editor) void this.keepEditorState();
    try {
      if (!(await this.confirmLongJob(job)))
        return this.post({ type: 'cancelled', what: methodSpec(settings.method as MethodName)?.title ?? settings.method, notRun: true });
    } catch (err) {
      return this.fail(err as Error);
    }
    const title = methodSpec(settings.method as MethodName)?.title ?? settings.method;
    await this.exclusiveJob(title, async (controller) => {
      const result = await this.withProgress(`Model Lens: ${title} on ${path.basename(imagePath)}`, controller, (onProgress) =>
        this.services.track(() => this.services.explain(job, { signal: controller.signal, onProgress }), settings.method),
      );
      const recent = await this.remember(imagePath);
      return () => {
        this.shown = { imagePath, map: result.image, signed: result.signed };
        this.post({ type: 'result', result });
        this.post({ type: 'recent', recent });
      };
    });
  }

  /** The Metrics section: deletion and insertion, the pointing games (a boxes.json beside the image), the sanity check when asked. */
  private async metrics(sanity: boolean): Promise<void> {
    const { imagePath, settings } = this.state;
    if (!imagePath) return;
    const boxes = path.join(path.dirname(imagePath), 'boxes.json');
    const job = { ...this.explainJob(imagePath), sanity, boxesFile: fs.existsSync(boxes) ? boxes : undefined };
    await this.exclusiveJob('metrics', async (controller) => {
      const metrics = await this.withProgress(
        `Model Lens: metrics of ${settings.method} on ${path.basename(imagePath)}${sanity ? ', with the sanity check' : ''}`,
        controller,
        (onProgress) => this.services.track(() => this.services.worker.request('metrics', job, { signal: controller.signal, onProgress }), 'metrics'),
      );
      return () => this.post({ type: 'metrics', imagePath, metrics });
    });
  }

  /** The layer strip: Grad-CAM at every 4-D layer, streamed as each is done. */
  private async preview(): Promise<void> {
    const { imagePath, modelPath, settings } = this.state;
    if (!imagePath) return;
    await this.exclusiveJob('layer preview', async (controller) => {
      await this.services.track(
        () =>
          this.services.worker.request(
            'layerPreview',
            { modelPath, imagePath, method: DEFAULT_METHOD, target: settings.target, output: settings.output, preprocess: settings.preprocess },
            {
              signal: controller.signal,
              onProgress: (done, total) => this.post({ type: 'progress', done, total }),
              onPartial: (p) => this.post({ type: 'preview', preview: p }),
            },
          ),
        'layer preview',
      );
    });
  }

  override dispose(): void {
    ModelPanel.panels.delete(this);
    super.dispose();
  }

  /** The file currently shown, so commands can reuse it. */
  get modelPath(): string {
    return this.state.modelPath;
  }
}
