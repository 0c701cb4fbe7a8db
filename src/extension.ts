import type * as vscode from 'vscode';
import { registerCurvesCommands } from './host/commands/curves-commands';
import { registerModelCommands } from './host/commands/model-commands';
import { registrar } from './host/commands/register';
import { registerSerializers } from './host/commands/serializers';
import { CurveDecorations } from './host/curves/decorations';
import { RunRegistry } from './host/curves/run-registry';
import { RunsTree } from './host/curves/runs-tree';
import { Services } from './host/services';

/** Wires the extension together: services, the training-run registry and its views, the commands, the panel serializers. */
export function activate(context: vscode.ExtensionContext): void {
  const services = new Services(context);
  context.subscriptions.push(services);
  const register = registrar(context);

  registerModelCommands(services, register);
  register('modelLens.showLog', () => services.log.show());

  // Training curves: the run registry (discovery + tailing), the runs view, inline values, the panel.
  const registry = new RunRegistry(context, services.log);
  const tree = new RunsTree(registry);
  const decorations = new CurveDecorations(registry);
  context.subscriptions.push(registry, tree, decorations);
  void registry.refresh();
  registerCurvesCommands(services, registry, tree, decorations, register);

  registerSerializers(context, services, registry);
}

export function deactivate(): void {
  // Services are disposed through context.subscriptions.
}
