import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * A panel's page: a strict Content-Security-Policy (nothing remote; the script and the stylesheet
 * from the extension, allowed by a fresh nonce from crypto), the initial state as a data attribute.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, app: string, stylesheet: string, state: unknown, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webviews', `${app}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', stylesheet));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const json = JSON.stringify(state).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}" nonce="${nonce}">
<title>${title}</title></head>
<body><div id="app" data-state="${json.replace(/"/g, '&quot;')}"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
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
