import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { pageHtml } from './page-html';

/**
 * A panel's page: a strict Content-Security-Policy (nothing remote; the script and the stylesheet
 * from the extension, allowed by a fresh nonce from crypto), the initial state as a data attribute.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, app: string, stylesheet: string, state: unknown, title: string): string {
  return pageHtml({
    nonce: randomBytes(16).toString('base64'),
    cspSource: webview.cspSource,
    script: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webviews', `${app}.js`)).toString(),
    style: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', stylesheet)).toString(),
    state,
    title,
  });
}

/** A model's short name: the folder of a model.json, else the file name (model.onnx). */
export function modelTitle(file: string): string {
  const base = file.split(/[\\/]/);
  return base.at(-1) === 'model.json' ? (base.at(-2) ?? 'model') : (base.at(-1) ?? file);
}

/** Options of every Model Lens panel: scripts on, resources only from dist/ and media/. */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')] };
}
