import * as vscode from 'vscode';

/** Saves a PNG the webview drew (a data: URL already validated) where the user chooses. */
export async function savePng(dataUrl: string, suggested: string): Promise<void> {
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(suggested), filters: { PNG: ['png'] } });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  void vscode.window.showInformationMessage(`Model Lens: saved ${target.fsPath}`);
}

/** Saves PNG bytes (rendered by the worker) where the user chooses. */
export async function savePngBytes(bytes: Uint8Array, suggested: string): Promise<void> {
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(suggested), filters: { PNG: ['png'] } });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`Model Lens: saved ${target.fsPath}`);
}

export async function copyJson(json: string, what: string): Promise<void> {
  await vscode.env.clipboard.writeText(json);
  void vscode.window.showInformationMessage(`Model Lens: ${what} JSON is on the clipboard.`);
}

/** A job's error: logged, shown in the panel and as a notification (a cancel is not an error). */
export function reportError(log: vscode.LogOutputChannel, post: (m: { type: 'error'; message: string }) => void, err: Error): void {
  if (err.name === 'AbortError') return;
  log.error(err.message);
  const detail = (err as { detail?: unknown }).detail;
  if (typeof detail === 'string' && detail) log.error(`  (${detail})`);
  post({ type: 'error', message: err.message });
  void vscode.window.showErrorMessage(`Model Lens: ${err.message}`);
}
