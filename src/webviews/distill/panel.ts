import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MessageHandlers } from '../shared/messages';
import { LOSS_SPECS } from '../../core/distill/loss-specs';
import { MODEL_EXTENSIONS } from '../../core/model/specs';
import type { DistillJob, DistillResultMessage } from '../../protocol/worker';
import type { Services } from '../../host/services';
import { PanelBase } from '../../host/panel-base';
import { panelOptions } from '../../host/webview-html';
import { ModelPanel } from '../model/panel';
import { ComparePanel } from '../compare/panel';
import {
  defaultDistillSettings,
  parseFromDistillWebview,
  type DistillFormState,
  type DistillSettings,
  type FromDistillWebview,
  type ToDistillWebview,
} from './protocol';

export const DISTILL_VIEW_TYPE = 'modelLens.distill';

/** "Distil a Student": the form, the run in the training worker, the curves beside it, the student at the end. */
export class DistillPanel extends PanelBase<FromDistillWebview, ToDistillWebview> {
  private static current: DistillPanel | undefined;
  private state: DistillFormState;
  private result: DistillResultMessage | undefined;

  static open(services: Services, teacher?: string): DistillPanel {
    const existing = DistillPanel.current;
    if (existing) {
      existing.panel.reveal();
      if (teacher) existing.update({ teacher });
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      DISTILL_VIEW_TYPE,
      'Distil a Student',
      vscode.ViewColumn.Active,
      panelOptions(services.context.extensionUri),
    );
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return new DistillPanel(services, panel, {
      teacher,
      logdir: folder ? path.join(folder, 'runs', 'distill') : undefined,
      settings: defaultDistillSettings(),
    });
  }

  static revive(services: Services, panel: vscode.WebviewPanel, state: DistillFormState | undefined): DistillPanel {
    panel.webview.options = panelOptions(services.context.extensionUri);
    const s = state && typeof state === 'object' ? state : { settings: defaultDistillSettings() };
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return new DistillPanel(services, panel, {
      teacher: str(s.teacher),
      teacher2: str(s.teacher2),
      studentFile: str(s.studentFile),
      data: str(s.data),
      logdir: str(s.logdir),
      settings: { ...defaultDistillSettings(), ...s.settings },
    });
  }

  private constructor(services: Services, panel: vscode.WebviewPanel, state: DistillFormState) {
    super(services, panel, { app: 'distill', title: 'Model Lens: distil a student', state, what: 'distillation form' }, parseFromDistillWebview);
    this.state = state;
    DistillPanel.current = this;
  }

  private update(change: Partial<DistillFormState>): void {
    this.state = { ...this.state, ...change };
    this.post({ type: 'state', state: this.state });
  }

  protected readonly handlers: MessageHandlers<FromDistillWebview> = {
    ready: () => this.post({ type: 'init', state: this.state, terms: LOSS_SPECS.map((s) => ({ name: s.name, title: s.title, paper: s.paper })) }),
    pick: async (msg) => {
      const folder = msg.what === 'data' || msg.what === 'logdir';
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        canSelectFiles: !folder,
        canSelectFolders: folder,
        filters: folder ? undefined : { Models: [...MODEL_EXTENSIONS] },
        title: {
          teacher: 'Choose the teacher',
          teacher2: 'Choose a second teacher (ASDT)',
          studentFile: 'Choose the student (a TF.js layers model.json)',
          data: 'Choose the training images (one sub-folder per class)',
          logdir: 'Choose where the runs are written',
        }[msg.what],
      });
      const file = picked?.[0]?.fsPath;
      if (file) this.update({ [msg.what]: file });
    },
    clear: () => this.update({ teacher2: undefined }),
    start: (msg) => this.start(msg.settings),
    cancel: () => this.job?.abort(),
    openStudent: () => {
      if (this.result) ModelPanel.open(this.services, this.result.student);
    },
    compare: () => {
      if (this.result && this.state.teacher) ComparePanel.open(this.services, [this.state.teacher, this.result.student], this.state.data);
    },
  };

  private async start(settings: DistillSettings): Promise<void> {
    this.state = { ...this.state, settings };
    const { teacher, teacher2, data, logdir, studentFile } = this.state;
    const missing = !teacher
      ? 'a teacher'
      : !data
        ? 'the training images'
        : !logdir
          ? 'where the runs are written'
          : settings.student === 'file' && !studentFile
            ? 'the student file'
            : '';
    if (missing) return this.post({ type: 'error', message: `Choose ${missing} first.` });
    const student = settings.student === 'file' ? studentFile! : `${settings.student}:${settings.width}`;
    const runName =
      settings.runName || (settings.student === 'file' ? undefined : `${settings.student}-${settings.width}-${Object.keys(settings.loss).join('-')}`);
    const job: DistillJob = {
      teachers: teacher2 ? [teacher!, teacher2] : [teacher!],
      student,
      data: data!,
      valSplit: settings.valSplit,
      loss: settings.loss,
      temperature: settings.temperature,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      lr: settings.lr,
      optimizer: settings.optimizer,
      schedule: teacher2 ? { period: settings.period, duty: settings.duty } : undefined,
      logdir: logdir!,
      runName,
      seed: settings.seed,
    };
    const run = path.join(logdir!, runName ?? path.basename(path.dirname(student)));
    this.result = undefined;
    await this.exclusiveJob(`training ${path.basename(run)}`, async (controller) => {
      this.post({ type: 'started', run });
      void this.openCurvesWhenLogged(run, controller.signal);
      const result = await this.withProgress(`Model Lens: training ${path.basename(run)}`, controller, (onProgress) =>
        this.services.track(
          () =>
            this.services.trainer.request('distill', job, {
              signal: controller.signal,
              onProgress,
              onPartial: (epoch) => this.post({ type: 'epoch', epoch, epochs: settings.epochs }),
            }),
          'distill',
        ),
      );
      this.result = result;
      return () => {
        this.post({ type: 'done', result });
        void vscode.window
          .showInformationMessage(
            `Model Lens: the student is trained (validation accuracy ${Number.isFinite(result.valAccuracy) ? `${(100 * result.valAccuracy).toFixed(1)} %` : '—'}).`,
            'Open the Student',
            'Compare with the Teacher',
          )
          .then((choice) => {
            if (choice === 'Open the Student') ModelPanel.open(this.services, result.student);
            else if (choice === 'Compare with the Teacher' && teacher) ComparePanel.open(this.services, [teacher, result.student], data);
          });
      };
    });
  }

  /** The curves panel opens on the run as soon as it has logged something, and grows as it trains. */
  private async openCurvesWhenLogged(run: string, signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 600 && !signal.aborted; i++) {
      const csv = path.join(run, 'metrics.csv');
      if (fs.existsSync(csv) && fs.readFileSync(csv, 'utf8').split('\n').length > 2) {
        await vscode.commands.executeCommand('modelLens.showCurves', vscode.Uri.file(run));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  override dispose(): void {
    if (DistillPanel.current === this) DistillPanel.current = undefined;
    super.dispose();
  }
}
