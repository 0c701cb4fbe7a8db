import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { colormapLut, COLORMAPS } from '../../core/image/colormap';
import type { ExplainResultMessage, LayerPreviewMessage, ModelSummaryMessage } from '../../protocol/worker';
import type { Services } from '../../host/services';
import { parseFromWebview, type PanelSettings, type PanelState, type ToWebview } from './protocol';

export const VIEW_TYPE = 'modelLens.model';
const RECENT_KEY = 'modelLens.recentImages';

export function defaultSettings(): PanelSettings {
  const cfg = vscode.workspace.getConfiguration('modelLens');
  const batchSize = cfg.get<number>('batchSize', 0);
  return {
    method: cfg.get<string>('defaultMethod', 'gradcam'),
    target: 'top',
    output: 0,
    colormap: cfg.get<string>('colormap', 'turbo'),
    opacity: cfg.get<number>('overlayOpacity', 0.5),
    params: batchSize > 0 ? { batchSize } : {},
  };
}

/** The model panel's host side: owns the webview, validates its messages, runs jobs in the worker. */
export class ModelPanel {
  private static readonly panels = new Set<ModelPanel>();
  private state: PanelState;
  private job: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  static open(services: Services, modelPath: string, imagePath?: string): ModelPanel {
    for (const p of ModelPanel.panels) {
      if (p.state.modelPath === modelPath) {
        p.panel.reveal();
        if (imagePath) void p.setImage(imagePath);
        return p;
      }
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, `Model Lens: ${path.basename(path.dirname(modelPath))}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, ModelPanel.options(services));
    return new ModelPanel(services, panel, { modelPath, imagePath, settings: defaultSettings() });
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
    const root = services.context.extensionUri;
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')] };
  }

  private constructor(private readonly services: Services, readonly panel: vscode.WebviewPanel, state: PanelState) {
    this.state = state;
    ModelPanel.panels.add(this);
    panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    if (state.imagePath) void this.remember(state.imagePath);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => {
        const msg = parseFromWebview(raw);
        if (!msg) return services.log.warn(`ignored an invalid message from the model panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
        void this.onMessage(msg);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(msg: ToWebview): void {
    void this.panel.webview.postMessage(msg);
  }

  private recent(): string[] {
    return this.services.context.workspaceState.get<string[]>(RECENT_KEY, []);
  }

  private async remember(imagePath: string): Promise<string[]> {
    const list = [imagePath, ...this.recent().filter((p) => p !== imagePath)].slice(0, 10);
    await this.services.context.workspaceState.update(RECENT_KEY, list);
    return list;
  }

  async setImage(imagePath: string): Promise<void> {
    this.state = { ...this.state, imagePath };
    this.post({ type: 'image', imagePath, recent: await this.remember(imagePath) });
  }

  private async onMessage(msg: NonNullable<ReturnType<typeof parseFromWebview>>): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return this.init();
      case 'run':
        this.state = { ...this.state, settings: msg.settings };
        return this.run();
      case 'cancel':
        this.job?.abort();
        return;
      case 'pickImage': {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'] }, title: 'Choose an image to explain' });
        if (picked?.[0]) await this.setImage(picked[0].fsPath);
        return;
      }
      case 'useImage':
        if (this.recent().includes(msg.path)) await this.setImage(msg.path);
        return;
      case 'dropUri': {
        let uri: vscode.Uri;
        try {
          uri = vscode.Uri.parse(msg.uri.split(/\r?\n/)[0].trim(), true);
        } catch {
          return;
        }
        if (uri.scheme === 'file' && /\.(png|jpe?g)$/i.test(uri.fsPath)) await this.setImage(uri.fsPath);
        else this.post({ type: 'error', message: `${uri.fsPath || msg.uri}: only PNG and JPEG files can be dropped here.` });
        return;
      }
      case 'preview':
        return this.preview();
      case 'exportPng': {
        const base = this.state.imagePath ? path.basename(this.state.imagePath).replace(/\.(png|jpe?g)$/i, '') : 'model-lens';
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(path.dirname(this.state.imagePath ?? this.state.modelPath), `${base}.${this.state.settings.method}.png`)),
          filters: { PNG: ['png'] },
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, Buffer.from(msg.dataUrl.slice('data:image/png;base64,'.length), 'base64'));
        void vscode.window.showInformationMessage(`Model Lens: saved ${target.fsPath}`);
        return;
      }
      case 'copyJson':
        await vscode.env.clipboard.writeText(msg.json);
        void vscode.window.showInformationMessage('Model Lens: the explanation JSON is on the clipboard.');
        return;
    }
  }

  private async init(): Promise<void> {
    try {
      const summary = await this.services.track(() => this.services.worker.request<ModelSummaryMessage>({ type: 'summary', modelPath: this.state.modelPath }), 'summary');
      const luts = Object.fromEntries(COLORMAPS.map((c) => [c, Array.from(colormapLut(c))]));
      this.post({ type: 'init', summary, luts, state: this.state, recent: this.recent() });
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    if (err.name === 'AbortError') return;
    this.services.log.error(err.message);
    this.post({ type: 'error', message: err.message });
    void vscode.window.showErrorMessage(`Model Lens: ${err.message}`);
  }

  /**
   * One job at a time per panel: a new one aborts the previous; only the latest may report its
   * result, its error and the end of "busy".
   */
  private async exclusiveJob(what: string, work: (controller: AbortController) => Promise<(() => void) | void>): Promise<void> {
    this.job?.abort();
    const controller = new AbortController();
    this.job = controller;
    this.post({ type: 'busy', running: true, what });
    try {
      const report = await work(controller);
      if (this.job === controller) report?.();
    } catch (err) {
      if (this.job === controller) this.fail(err as Error);
    } finally {
      if (this.job === controller) {
        this.job = undefined;
        this.post({ type: 'busy', running: false, what: '' });
      }
    }
  }

  private async run(): Promise<void> {
    const { imagePath, modelPath, settings } = this.state;
    if (!imagePath) return;
    await this.exclusiveJob(settings.method, async (controller) => {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Model Lens: ${settings.method} on ${path.basename(imagePath)}`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let last = 0;
          return this.services.track(() =>
            this.services.worker.request<ExplainResultMessage>(
              {
                type: 'explain',
                job: { modelPath, imagePath, method: settings.method, layers: settings.layer ? [settings.layer] : undefined, target: settings.target, output: settings.output, params: settings.params },
              },
              {
                signal: controller.signal,
                onProgress: (done, total) => {
                  const pct = (100 * done) / total;
                  progress.report({ increment: pct - last, message: `${done} / ${total}` });
                  last = pct;
                  this.post({ type: 'progress', done, total });
                },
              },
            ),
            settings.method,
          );
        },
      );
      return () => this.post({ type: 'result', result });
    });
  }

  /** The layer strip: Grad-CAM at every 4-D layer, streamed as each is done. */
  private async preview(): Promise<void> {
    const { imagePath, modelPath, settings } = this.state;
    if (!imagePath) return;
    await this.exclusiveJob('layer preview', async (controller) => {
      await this.services.track(() =>
        this.services.worker.request<number>(
          { type: 'layerPreview', job: { modelPath, imagePath, method: 'gradcam', target: settings.target, output: settings.output } },
          {
            signal: controller.signal,
            onProgress: (done, total) => this.post({ type: 'progress', done, total }),
            onPartial: (p) => this.post({ type: 'preview', preview: p as LayerPreviewMessage }),
          },
        ),
        'layer preview',
      );
    });
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const dist = vscode.Uri.joinPath(this.services.context.extensionUri, 'dist', 'webviews');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'model.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.services.context.extensionUri, 'media', 'model-panel.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data: blob:`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    const state = JSON.stringify(this.state).replace(/</g, '\\u003c');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}" nonce="${nonce}">
<title>Model Lens</title></head>
<body><div id="app" data-state="${state.replace(/"/g, '&quot;')}"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
  }

  dispose(): void {
    this.job?.abort();
    ModelPanel.panels.delete(this);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }

  /** The file currently shown, so commands can reuse it. */
  get modelPath(): string {
    return this.state.modelPath;
  }
}
