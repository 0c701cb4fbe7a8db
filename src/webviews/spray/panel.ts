import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MessageHandlers } from '../shared/messages';
import { colormapLuts } from '../../core/image/colormap';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../../core/image/specs';
import type { Services } from '../../host/services';
import { PanelBase } from '../../host/panel-base';
import { panelOptions } from '../../host/webview-html';
import { ModelPanel } from '../model/panel';
import {
  DEFAULT_SPRAY_SETTINGS,
  parseFromSprayWebview,
  spraySettingsProblems,
  type FromSprayWebview,
  type SprayPanelState,
  type ToSprayWebview,
} from './protocol';

export const SPRAY_VIEW_TYPE = 'modelLens.spray';

const PICTURE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/** The images as data URLs for the thumbnails; files over 1 MB are left out (the thumbnail shows the name). */
function pictures(files: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files) {
    const type = PICTURE_TYPES[path.extname(file).toLowerCase()];
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? Infinity;
    if (type && size <= 1024 * 1024) out[file] = `data:${type};base64,${fs.readFileSync(file).toString('base64')}`;
  }
  return out;
}

/** The SpRAy panel's host side: one model, one folder, one class; the job runs in the worker. */
export class SprayPanel extends PanelBase<FromSprayWebview, ToSprayWebview> {
  private state: SprayPanelState;

  static open(services: Services, model: string, folder: string, classArg: string, labels: string[]): SprayPanel {
    const panel = vscode.window.createWebviewPanel(
      SPRAY_VIEW_TYPE,
      `SpRAy: ${path.basename(folder)}`,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      panelOptions(services.context.extensionUri),
    );
    const p = new SprayPanel(services, panel, { model, folder, labels, settings: { ...DEFAULT_SPRAY_SETTINGS, classArg } });
    p.autorun = true;
    return p;
  }

  static revive(services: Services, panel: vscode.WebviewPanel, state: SprayPanelState | undefined): SprayPanel | undefined {
    if (!state || typeof state.model !== 'string' || typeof state.folder !== 'string' || !state.settings || spraySettingsProblems(state.settings).length) {
      panel.dispose();
      return undefined;
    }
    panel.webview.options = panelOptions(services.context.extensionUri);
    return new SprayPanel(services, panel, {
      model: state.model,
      folder: state.folder,
      labels: Array.isArray(state.labels) ? state.labels.filter((l) => typeof l === 'string') : [],
      settings: state.settings,
    });
  }

  /** Runs once the webview is ready (a new panel); a revived one shows its saved result. */
  private autorun = false;

  private constructor(services: Services, panel: vscode.WebviewPanel, state: SprayPanelState) {
    super(services, panel, { app: 'spray', title: 'Model Lens: SpRAy', state, what: 'SpRAy panel' }, parseFromSprayWebview);
    this.state = state;
  }

  protected readonly handlers: MessageHandlers<FromSprayWebview> = {
    ready: () => {
      const luts = colormapLuts();
      this.post({ type: 'init', state: this.state, luts: { signed: luts[SIGNED_COLORMAP], unsigned: luts[DEFAULT_COLORMAP] } });
      if (this.autorun) {
        this.autorun = false;
        void this.run();
      }
    },
    settings: (msg) => {
      this.state = { ...this.state, settings: msg.settings };
    },
    run: () => this.run(),
    cancel: () => this.job?.abort(),
    openImage: (msg) => {
      // Only an image below the panel's folder (the result's paths are the folder joined with a name inside it).
      const file = path.resolve(msg.image);
      if (file.startsWith(path.resolve(this.state.folder) + path.sep) && fs.statSync(file, { throwIfNoEntry: false })?.isFile())
        ModelPanel.open(this.services, this.state.model, file);
    },
  };

  private async run(): Promise<void> {
    const { model, folder, settings: s } = this.state;
    await this.exclusiveJob(`SpRAy over ${path.basename(folder)}`, async (controller) => {
      const result = await this.withProgress(
        `Model Lens: SpRAy — ${s.method} maps of class ${s.classArg} over ${path.basename(folder)}`,
        controller,
        (onProgress) =>
          this.services.track(
            () =>
              this.services.spray(
                {
                  model,
                  folder,
                  classArg: s.classArg,
                  method: s.method,
                  grid: s.grid,
                  neighbours: s.neighbours,
                  clusters: s.clusters || undefined,
                  embedding: s.embedding,
                  seed: s.seed,
                },
                { signal: controller.signal, onProgress },
              ),
            'spray',
          ),
      );
      return () => this.post({ type: 'result', result, pictures: pictures(result.images.map((i) => i.image)) });
    });
  }
}
