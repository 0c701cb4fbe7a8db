import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendChoice } from '../protocol/worker';
import { LoopDelayRecorder } from './loop-delay';
import { WorkerClient } from '../pool/worker-client';

/**
 * What the commands and panels share: the worker client (created lazily on the first job), the
 * output channel and the status bar item. Disposed with the extension.
 */
export class Services implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Model Lens', { log: true });
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private client: WorkerClient | undefined;
  /** A second worker for training runs: the panels keep explaining while a student trains. */
  private trainClient: WorkerClient | undefined;
  private running = 0;
  /** Event-loop delay per job, when MODEL_LENS_HOST_METRICS names a file (the host benchmark). */
  private readonly loopDelay = LoopDelayRecorder.fromEnv();
  backend = 'not started';

  constructor(readonly context: vscode.ExtensionContext) {
    this.status.command = 'modelLens.showLog';
    this.status.name = 'Model Lens';
    this.updateStatus();
    context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('modelLens.backend') || e.affectsConfiguration('modelLens.tfjsNodePath') || e.affectsConfiguration('modelLens.limits'))
          this.resetWorker();
      }),
    );
  }

  get worker(): WorkerClient {
    this.client ??= this.newClient(30 * 60_000);
    return this.client;
  }

  /** The training worker (created on the first training run; no time limit — 0 — as a run takes as long as it takes). */
  get trainer(): WorkerClient {
    this.trainClient ??= this.newClient(0);
    return this.trainClient;
  }

  private newClient(timeoutMs: number): WorkerClient {
    {
      const cfg = vscode.workspace.getConfiguration('modelLens');
      const dist = path.join(this.context.extensionPath, 'dist');
      return new WorkerClient(path.join(dist, 'worker.js'), {
        timeoutMs,
        cancelGraceMs: 1500,
        log: (line) => this.log.info(line),
        configure: {
          backend: cfg.get<BackendChoice>('backend', 'auto'),
          tfjsNodePath: cfg.get<string>('tfjsNodePath') || undefined,
          wasmDir: dist,
          limits: {
            maxPixels: cfg.get<number>('limits.maxPixels'),
            maxModelBytes: cfg.get<number>('limits.maxModelBytes'),
            outSize: cfg.get<number>('limits.outSize'),
          },
        },
      });
    }
  }

  private resetWorker(): void {
    this.client?.dispose();
    this.client = undefined;
    this.backend = 'not started';
    this.updateStatus();
  }

  /** Runs a job with the status-bar spinner; records the backend from results that carry it. */
  async track<T>(job: () => Promise<T>, what = 'job'): Promise<T> {
    if (this.running === 0) this.loopDelay?.mark('idle');
    this.running++;
    this.updateStatus();
    try {
      const r = await job();
      const b = (r as { backend?: unknown } | undefined)?.backend;
      if (typeof b === 'string') this.backend = b;
      return r;
    } finally {
      this.running--;
      this.updateStatus();
      if (this.running === 0) this.loopDelay?.mark(what);
    }
  }

  private updateStatus(): void {
    this.status.text = `${this.running ? '$(sync~spin)' : '$(telescope)'} Model Lens: ${this.backend}`;
    this.status.tooltip = `Model Lens backend: ${this.backend}${this.running ? ' — a job is running' : ''}. Click to open the log.`;
    this.status.show();
  }

  dispose(): void {
    this.client?.dispose();
    this.trainClient?.dispose();
    this.loopDelay?.dispose();
    this.status.dispose();
    this.log.dispose();
  }
}
