import * as vscode from 'vscode';
import { reportError } from './panel-actions';
import type { Services } from './services';
import { webviewHtml } from './webview-html';
import { dispatch, type CommonToWebview, type MessageHandlers } from '../webviews/shared/messages';

/**
 * The host side every panel shares: the page (strict CSP), messages from the webview validated by the
 * panel's parser (anything else logged and dropped), one job at a time, errors, disposal.
 */
export abstract class PanelBase<In extends { type: string }, Out extends { type: string }> implements vscode.Disposable {
  protected job: AbortController | undefined;
  protected readonly disposables: vscode.Disposable[] = [];

  protected constructor(
    protected readonly services: Services,
    readonly panel: vscode.WebviewPanel,
    page: { app: string; title: string; state: unknown; what: string },
    parse: (raw: unknown) => In | undefined,
  ) {
    panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewHtml(panel.webview, services.context.extensionUri, page.app, 'model-panel.css', page.state, page.title);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => {
        const msg = parse(raw);
        if (msg === undefined) return services.log.warn(`ignored an invalid message from the ${page.what}: ${JSON.stringify(raw)?.slice(0, 200)}`);
        void dispatch(this.handlers, msg);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** What the panel does with each message from its webview (validated first). */
  protected abstract readonly handlers: MessageHandlers<In>;

  protected post(msg: Out | CommonToWebview): void {
    void this.panel.webview.postMessage(msg);
  }

  protected fail(err: Error): void {
    reportError(this.services.log, (m) => this.post(m), err);
  }

  /**
   * One job at a time per panel: a new one aborts the previous; only the latest may report its
   * result, its error and the end of "busy".
   */
  protected async exclusiveJob(what: string, work: (controller: AbortController) => Promise<(() => void) | void>): Promise<void> {
    this.job?.abort();
    const controller = new AbortController();
    this.job = controller;
    this.post({ type: 'busy', running: true, what });
    let cancelled = false;
    try {
      const report = await work(controller);
      if (this.job === controller) report?.();
    } catch (err) {
      cancelled = (err as Error).name === 'AbortError';
      if (this.job === controller) this.fail(err as Error);
    } finally {
      if (this.job === controller) {
        this.job = undefined;
        this.post({ type: 'busy', running: false, what: '' });
        // Cancelled by the user (a newer job replacing this one is no cancel): the webview says so.
        if (cancelled) this.post({ type: 'cancelled', what });
      }
    }
  }

  /** A worker request with a cancellable progress notification; its progress also goes to the webview. */
  protected withProgress<T>(
    title: string,
    controller: AbortController,
    request: (onProgress: (done: number, total: number) => void) => Promise<T>,
  ): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => controller.abort());
      let last = 0;
      return request((done, total) => {
        const pct = (100 * done) / total;
        progress.report({ increment: pct - last, message: `${done} / ${total}` });
        last = pct;
        this.post({ type: 'progress', done, total });
      });
    });
  }

  dispose(): void {
    this.job?.abort();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
