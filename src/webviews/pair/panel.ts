import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MessageHandlers } from '../shared/messages';
import { colormapLuts } from '../../core/image/colormap';
import { DEFAULT_COLORMAP } from '../../core/image/specs';
import { DEFAULT_PAIR_METHOD, isPairMethod, JOINTS, pairMethodSpec, SIMILARITIES, TRANSFORMS } from '../../core/explain/pair/specs';
import type { PairJob } from '../../protocol/worker';
import type { Services } from '../../host/services';
import { PanelBase } from '../../host/panel-base';
import { copyJson, savePng } from '../../host/panel-actions';
import { modelTitle, panelOptions } from '../../host/webview-html';
import { parseFromPairWebview, type FromPairWebview, type PairPanelState, type PairSettings, type ToPairWebview } from './protocol';

export const PAIR_VIEW_TYPE = 'modelLens.pair';

export function defaultPairSettings(): PairSettings {
  const cfg = vscode.workspace.getConfiguration('modelLens');
  return {
    method: DEFAULT_PAIR_METHOD,
    similarity: SIMILARITIES[0],
    joint: JOINTS[0],
    transform: TRANSFORMS[0],
    seed: 0,
    colormap: cfg.get<string>('colormap', DEFAULT_COLORMAP),
    opacity: cfg.get<number>('overlayOpacity', 0.5),
    metrics: false,
  };
}

/** The pair panel's host side: two views of an image through an encoder, and what drives their similarity. */
export class PairPanel extends PanelBase<FromPairWebview, ToPairWebview> {
  private static readonly panels = new Set<PairPanel>();
  private state: PairPanelState;

  static open(services: Services, modelPath: string, imageA?: string, second?: PairPanelState['second']): PairPanel {
    for (const p of PairPanel.panels) {
      if (p.state.modelPath === modelPath) {
        p.panel.reveal();
        if (imageA) p.update({ imageA, ...(second ? { second } : {}) });
        return p;
      }
    }
    const panel = vscode.window.createWebviewPanel(
      PAIR_VIEW_TYPE,
      `Similarity: ${modelTitle(modelPath)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      panelOptions(services.context.extensionUri),
    );
    return new PairPanel(services, panel, {
      modelPath,
      imageA,
      second: second ?? { kind: 'augment', spec: 'crop=0.6,flip,jitter=0.4' },
      settings: defaultPairSettings(),
    });
  }

  static revive(services: Services, panel: vscode.WebviewPanel, state: PairPanelState | undefined): PairPanel | undefined {
    if (!state || typeof state.modelPath !== 'string') {
      panel.dispose();
      return undefined;
    }
    panel.webview.options = panelOptions(services.context.extensionUri);
    return new PairPanel(services, panel, { ...state, settings: { ...defaultPairSettings(), ...state.settings } });
  }

  private constructor(services: Services, panel: vscode.WebviewPanel, state: PairPanelState) {
    super(services, panel, { app: 'pair', title: 'Model Lens: similarity', state, what: 'pair panel' }, parseFromPairWebview);
    this.state = state;
    PairPanel.panels.add(this);
  }

  private update(change: Partial<PairPanelState>): void {
    this.state = { ...this.state, ...change };
    this.post({ type: 'state', state: this.state });
  }

  protected readonly handlers: MessageHandlers<FromPairWebview> = {
    ready: () => this.init(),
    run: (msg) => {
      this.state = { ...this.state, ...msg.state };
      return this.run();
    },
    probe: (msg) => this.run(msg),
    cancel: () => this.job?.abort(),
    pickImage: async (msg) => {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { Images: ['png', 'jpg', 'jpeg'] },
        title: msg.which === 'a' ? 'Choose the first view' : 'Choose the second view',
      });
      const file = picked?.[0]?.fsPath;
      if (!file) return;
      this.update(msg.which === 'a' ? { imageA: file } : { second: { kind: 'image', path: file } });
    },
    exportPng: (msg) => {
      const base = this.state.imageA ? path.basename(this.state.imageA).replace(/\.(png|jpe?g)$/i, '') : 'pair';
      return savePng(msg.dataUrl, path.join(path.dirname(this.state.imageA ?? this.state.modelPath), `${base}.${this.state.settings.method}.pair.png`));
    },
    copyJson: (msg) => copyJson(msg.json, 'the pair explanation'),
  };

  private async init(): Promise<void> {
    try {
      const s = await this.services.track(() => this.services.worker.request('summary', { modelPath: this.state.modelPath }), 'summary');
      const luts = colormapLuts();
      this.post({
        type: 'init',
        model: {
          path: s.path,
          outputs: s.outputs.map((o) => o.name),
          camLayers: s.camLayers,
          layers: s.layers.map((l) => l.name),
          defaultLayer: s.defaultLayer,
        },
        luts,
        state: this.state,
      });
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Explains the pair (or, with `probe`, the pair with one patch occluded); a new run aborts the previous. */
  private async run(probe?: { view: 'a' | 'b'; top: number; left: number }): Promise<void> {
    const { imageA, second, settings, modelPath } = this.state;
    if (!imageA || (second.kind === 'image' && !second.path)) return;
    const what = probe ? `${settings.method}, view ${probe.view} occluded` : settings.method;
    await this.exclusiveJob(what, async (controller) => {
      const job: PairJob = {
        modelPath,
        imageA,
        imageB: second.kind === 'image' ? second.path : undefined,
        augment: second.kind === 'augment' ? second.spec : undefined,
        method: settings.method,
        embedding: settings.embedding,
        layer: isPairMethod(settings.method) && pairMethodSpec(settings.method).layer ? settings.layer : undefined,
        similarity: settings.similarity,
        params: {
          window: settings.window,
          stride: settings.stride,
          samples: settings.samples,
          temperature: settings.temperature,
          assign: settings.assign,
          joint: settings.joint,
          transform: settings.transform,
          seed: settings.seed,
        },
        metrics: settings.metrics && !probe,
        occlude: probe,
      };
      const result = await this.withProgress(`Model Lens: ${what} on ${path.basename(imageA)}`, controller, (onProgress) =>
        this.services.track(
          () =>
            this.services.pair(job, {
              signal: controller.signal,
              onProgress,
              onPartial: (p) => this.post({ type: 'partial', partial: p }),
            }),
          settings.method,
        ),
      );
      return () => this.post({ type: 'result', result, probe });
    });
  }

  override dispose(): void {
    PairPanel.panels.delete(this);
    super.dispose();
  }
}
