import * as vscode from 'vscode';

/** Registers a command for the extension's lifetime. */
export type Register = (id: string, fn: (...args: never[]) => unknown) => void;

export function registrar(context: vscode.ExtensionContext): Register {
  return (id, fn) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
}
