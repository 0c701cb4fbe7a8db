// Panels that come back after a reload: each webview's serializer revives its panel from the saved state.
import * as vscode from 'vscode';
import { CurvesPanel, CURVES_VIEW_TYPE } from '../../webviews/curves/panel';
import type { CurvesPanelState } from '../../webviews/curves/protocol';
import { MODEL_EDITOR_VIEW_TYPES, ModelPanel, VIEW_TYPE } from '../../webviews/model/panel';
import type { PanelState } from '../../webviews/model/protocol';
import { PairPanel, PAIR_VIEW_TYPE } from '../../webviews/pair/panel';
import type { PairPanelState } from '../../webviews/pair/protocol';
import { ComparePanel, COMPARE_VIEW_TYPE } from '../../webviews/compare/panel';
import type { ComparePanelState } from '../../webviews/compare/protocol';
import { DistillPanel, DISTILL_VIEW_TYPE } from '../../webviews/distill/panel';
import type { DistillFormState } from '../../webviews/distill/protocol';
import { SprayPanel, SPRAY_VIEW_TYPE } from '../../webviews/spray/panel';
import type { SprayPanelState } from '../../webviews/spray/protocol';
import type { RunRegistry } from '../curves/run-registry';
import type { Services } from '../services';

export function registerSerializers(context: vscode.ExtensionContext, services: Services, registry: RunRegistry): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined) {
        ModelPanel.revive(services, panel, state);
      },
    }),
    // Model files open in the model panel as a read-only custom editor (package.json: customEditors).
    ...MODEL_EDITOR_VIEW_TYPES.map((viewType) =>
      vscode.window.registerCustomEditorProvider(
        viewType,
        {
          openCustomDocument: (uri: vscode.Uri) => ({ uri, dispose: () => undefined }),
          resolveCustomEditor: (document: vscode.CustomDocument, panel: vscode.WebviewPanel) => {
            ModelPanel.asEditor(services, panel, document.uri.fsPath, undefined);
          },
        } satisfies vscode.CustomReadonlyEditorProvider,
        { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: false },
      ),
    ),
    vscode.window.registerWebviewPanelSerializer(CURVES_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: CurvesPanelState | undefined) {
        await registry.refresh();
        CurvesPanel.revive(services, registry, panel, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(PAIR_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PairPanelState | undefined) {
        PairPanel.revive(services, panel, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: ComparePanelState | undefined) {
        ComparePanel.revive(services, panel, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(SPRAY_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: SprayPanelState | undefined) {
        SprayPanel.revive(services, panel, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(DISTILL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: DistillFormState | undefined) {
        DistillPanel.revive(services, panel, state);
      },
    }),
  );
}
