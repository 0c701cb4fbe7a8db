import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MessageHandlers } from '../shared/messages';
import { DEFAULT_METHOD } from '../../core/explain/specs';
import { colormapLuts } from '../../core/image/colormap';
import { DEFAULT_COLORMAP } from '../../core/image/specs';
import type { Services } from '../../host/services';
import { PanelBase } from '../../host/panel-base';
import { panelOptions } from '../../host/webview-html';
import { ModelPanel } from '../model/panel';
import { parseFromCompareWebview, shortNames, type ComparePanelState, type FromCompareWebview, type ToCompareWebview } from './protocol';

export const COMPARE_VIEW_TYPE = 'modelLens.compare';

/** The knowledge view's defaults: the CLI's are 300 steps × 16 samples per image; the panel starts lighter and says so. */
export const PANEL_KNOWLEDGE = { steps: 60, samples: 8, maxImages: 4 };

/** A `checkpoints/` folder beside a model, when there is one (demo/train_kd.py writes one per run). */
function checkpointsBeside(model: string): string | null {
  const dir = path.join(path.dirname(model), 'checkpoints');
  return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? dir : null;
}

const PICTURE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/** The images (relative to the folder) as data URLs for the webview; files over 4 MB are left out (the map is drawn alone). */
function pictures(folder: string, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const file = path.join(folder, name);
    const type = PICTURE_TYPES[path.extname(file).toLowerCase()];
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? Infinity;
    if (type && size <= 4 * 1024 * 1024) out[name] = `data:${type};base64,${fs.readFileSync(file).toString('base64')}`;
  }
  return out;
}

/** A folder's boxes.json, when there is one. */
function boxesIn(folder: string): string | undefined {
  const file = path.join(folder, 'boxes.json');
  return fs.existsSync(file) ? file : undefined;
}

/** The compare panel's host side: two or more models on the same image and folder, and their knowledge points. */
export class ComparePanel extends PanelBase<FromCompareWebview, ToCompareWebview> {
  private state: ComparePanelState;

  static open(services: Services, models: string[], folder?: string): ComparePanel {
    const names = shortNames(models);
    const panel = vscode.window.createWebviewPanel(
      COMPARE_VIEW_TYPE,
      `Compare: ${names.join(' · ')}`,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      panelOptions(services.context.extensionUri),
    );
    return new ComparePanel(services, panel, {
      models,
      folder,
      boxes: folder ? boxesIn(folder) : undefined,
      checkpoints: models.map(checkpointsBeside),
      method: vscode.workspace.getConfiguration('modelLens').get<string>('defaultMethod', DEFAULT_METHOD),
      knowledge: { ...PANEL_KNOWLEDGE },
    });
  }

  static revive(services: Services, panel: vscode.WebviewPanel, state: ComparePanelState | undefined): ComparePanel | undefined {
    if (!state || !Array.isArray(state.models) || state.models.length < 2 || !state.models.every((m) => typeof m === 'string')) {
      panel.dispose();
      return undefined;
    }
    panel.webview.options = panelOptions(services.context.extensionUri);
    // The webview's saved state also holds its results: the host keeps only its own fields.
    return new ComparePanel(services, panel, {
      models: state.models,
      image: typeof state.image === 'string' ? state.image : undefined,
      folder: typeof state.folder === 'string' ? state.folder : undefined,
      boxes: typeof state.boxes === 'string' ? state.boxes : undefined,
      method: typeof state.method === 'string' ? state.method : DEFAULT_METHOD,
      checkpoints: state.models.map((m, i) => (Array.isArray(state.checkpoints) ? (state.checkpoints[i] ?? null) : checkpointsBeside(m))),
      knowledge: { ...PANEL_KNOWLEDGE, ...state.knowledge },
    });
  }

  private constructor(services: Services, panel: vscode.WebviewPanel, state: ComparePanelState) {
    super(services, panel, { app: 'compare', title: 'Model Lens: compare models', state, what: 'compare panel' }, parseFromCompareWebview);
    this.state = state;
  }

  private inFolder(file: string): boolean {
    const folder = this.state.folder && path.resolve(this.state.folder);
    return !!folder && path.resolve(file).startsWith(folder + path.sep);
  }

  private update(change: Partial<ComparePanelState>): void {
    this.state = { ...this.state, ...change };
    this.post({ type: 'state', state: this.state });
  }

  protected readonly handlers: MessageHandlers<FromCompareWebview> = {
    ready: () => this.post({ type: 'init', names: shortNames(this.state.models), state: this.state, lut: colormapLuts()[DEFAULT_COLORMAP] }),
    settings: (msg) => {
      this.state = { ...this.state, method: msg.method, knowledge: msg.knowledge };
    },
    pick: async (msg) => {
      const folderish = msg.what === 'folder' || msg.what === 'checkpoints';
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        canSelectFiles: !folderish,
        canSelectFolders: folderish,
        filters: msg.what === 'image' ? { Images: ['png', 'jpg', 'jpeg'] } : msg.what === 'boxes' ? { 'Boxes (JSON)': ['json'] } : undefined,
        title: {
          image: 'Choose the image every model explains',
          folder: 'Choose a folder of images (class sub-folders give the truth)',
          boxes: 'Choose the object boxes (JSON)',
          checkpoints: `Choose the checkpoints folder of ${shortNames(this.state.models)[msg.model ?? 0]}`,
        }[msg.what],
      });
      const file = picked?.[0]?.fsPath;
      if (!file) return;
      if (msg.what === 'image') this.update({ image: file });
      else if (msg.what === 'folder') this.update({ folder: file, boxes: boxesIn(file) ?? this.state.boxes });
      else if (msg.what === 'boxes') this.update({ boxes: file });
      else this.update({ checkpoints: this.state.checkpoints.map((c, i) => (i === msg.model ? file : c)) });
    },
    runImage: () => this.runImage(),
    runFolder: () => this.runFolder(),
    runKnowledge: () => this.runKnowledge(),
    openModel: (msg) => {
      const model = this.state.models[msg.model];
      // Only an image the panel knows: its image, or one inside its folder.
      const image = msg.image ?? this.state.image;
      if (model && (!image || image === this.state.image || this.inFolder(image))) ModelPanel.open(this.services, model, image);
    },
    showImage: (msg) => {
      if (!this.state.folder) return;
      const file = path.resolve(this.state.folder, msg.name);
      if (this.inFolder(file)) this.update({ image: file });
    },
    cancel: () => this.job?.abort(),
  };

  private compare(target: string, overlays: boolean, controller: AbortController, title: string) {
    const job = { models: this.state.models, target, method: this.state.method, boxesFile: this.state.boxes, overlays };
    const opts = { signal: controller.signal };
    return this.withProgress(title, controller, (onProgress) =>
      this.services.track(
        // A folder's images are shared out over the pool; one image (with its overlays) runs on the first worker.
        () => (overlays ? this.services.worker.request('compare', job, { ...opts, onProgress }) : this.services.compareFolder(job, { ...opts, onProgress })),
        'compare',
      ),
    );
  }

  private async runImage(): Promise<void> {
    const { image, method } = this.state;
    if (!image) return;
    await this.exclusiveJob(`${method} by ${this.state.models.length} models`, async (controller) => {
      const r = await this.compare(image, true, controller, `Model Lens: comparing ${this.state.models.length} models on ${path.basename(image)}`);
      const overlays = (r.overlays ?? []).map((o) => ({
        dataUrl: `data:image/png;base64,${Buffer.from(o.png).toString('base64')}`,
        probability: o.probability,
        scoreKind: o.scoreKind,
        units: o.units,
      }));
      return () => this.post({ type: 'imageResult', image, method, result: r.result, overlays });
    });
  }

  private async runFolder(): Promise<void> {
    const { folder, method } = this.state;
    if (!folder) return;
    await this.exclusiveJob(`compare over ${path.basename(folder)}`, async (controller) => {
      const r = await this.compare(folder, false, controller, `Model Lens: comparing ${this.state.models.length} models over ${path.basename(folder)}`);
      return () => this.post({ type: 'folderResult', folder, method, result: r.result, images: r.images });
    });
  }

  /** Knowledge points of every model in turn; each model's result is shown as it arrives. */
  private async runKnowledge(): Promise<void> {
    const { folder, boxes, knowledge } = this.state;
    if (!folder) return;
    if (!boxes) {
      this.post({ type: 'error', message: `Knowledge points need object boxes: ${folder} has no boxes.json; choose a boxes file.` });
      return;
    }
    const names = shortNames(this.state.models);
    await this.exclusiveJob('knowledge points', async (controller) => {
      for (const [i, model] of this.state.models.entries()) {
        const checkpoints = this.state.checkpoints[i] ?? undefined;
        const result = await this.withProgress(
          `Model Lens: knowledge points of ${names[i]} (${i + 1} of ${names.length})${checkpoints ? ', over its checkpoints' : ''}`,
          controller,
          (onProgress) =>
            this.services.track(
              () =>
                this.services.knowledge(
                  { model, target: folder, boxesFile: boxes, checkpoints, steps: knowledge.steps, samples: knowledge.samples, maxImages: knowledge.maxImages },
                  { signal: controller.signal, onProgress },
                ),
              'knowledge',
            ),
        );
        if (this.job !== controller) return;
        this.post({
          type: 'knowledgeResult',
          model: i,
          folder,
          result,
          pictures: pictures(
            folder,
            result.images.map((im) => im.image),
          ),
        });
      }
    });
  }
}
