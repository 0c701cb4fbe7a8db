import * as path from 'node:path';
import * as vscode from 'vscode';
import { isMethod, methodSpec, type MethodName } from '../core/explain/specs';
import type { BackendChoice, CallResult, CompareJob, ExplainJob, KnowledgeJob, PairJob, PairPartialMessage, SprayJob } from '../protocol/worker';
import type { ImagePoints } from '../core/distill/knowledge-types';
import { isPairMethod, pairMethodSpec } from '../core/explain/pair/specs';
import { LoopDelayRecorder } from './loop-delay';
import { defaultPoolSize, pieces, WorkerPool } from '../pool/pool';
import { summariseComparison } from '../core/distill/compare-summary';
import { splitRun } from '../pool/split';
import { WorkerClient, type RequestOptions, type WorkerClientOptions } from '../pool/worker-client';

/**
 * What the commands and panels share: the pool of workers (its first worker runs every job; the others
 * join in on a batched method's loop — threads created on first use), the training worker, the output
 * channel and the status bar item. Disposed with the extension.
 */
export class Services implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Model Lens', { log: true });
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private workerPool: WorkerPool | undefined;
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
        if (['backend', 'tfjsNodePath', 'limits', 'workers'].some((k) => e.affectsConfiguration(`modelLens.${k}`))) this.resetWorker();
      }),
    );
  }

  /** The pool: `modelLens.workers` workers, or one per core when it is 0 (settings read when it is created). */
  get pool(): WorkerPool {
    this.workerPool ??= new WorkerPool(this.workerFile, this.poolSize(), this.clientOptions(30 * 60_000));
    return this.workerPool;
  }

  /** How many workers the pool has, or will have when it starts. */
  private poolSize(): number {
    if (this.workerPool) return this.workerPool.size;
    const cfg = vscode.workspace.getConfiguration('modelLens');
    const asked = cfg.get<number>('workers', 0);
    // The native backend is loaded in one thread only (a user's tfjs-node, chosen or found by auto).
    const backend = cfg.get<string>('backend', 'auto');
    const native = backend === 'tensorflow' || (backend === 'auto' && Boolean(cfg.get<string>('tfjsNodePath')));
    return native ? 1 : asked > 0 ? asked : defaultPoolSize();
  }

  /** The pool's first worker: every job but a batched method's shares runs here. */
  get worker(): WorkerClient {
    return this.pool.clients[0];
  }

  /** How many workers an explanation by `method` runs on. */
  explainWorkers(method: string): number {
    return methodSpec(method as MethodName)?.batched ? this.pool.size : 1;
  }

  /** An explanation: a batched method's loop shared out over the pool (src/pool/split.ts), any other on the first worker. */
  explain(job: ExplainJob, opts: RequestOptions = {}): Promise<CallResult<'explain'>> {
    return this.explainWorkers(job.method) > 1 ? splitRun(this.pool, 'explain', job, opts) : this.worker.request('explain', job, opts);
  }

  /** A pair explanation: a method with a batched loop shared out over the pool (its first share's partial maps shown), any other on the first worker. */
  pair(job: PairJob, opts: RequestOptions<PairPartialMessage> = {}): Promise<CallResult<'pair'>> {
    const batched = isPairMethod(job.method) && pairMethodSpec(job.method).batched;
    return batched && this.pool.size > 1 ? splitRun(this.pool, 'pair', job, opts) : this.worker.request('pair', job, opts);
  }

  /**
   * Models compared over a folder: with a pool, each worker compares them on a piece of the images
   * (`compareImages`) and the means are taken here; otherwise the first worker's `compare` job.
   */
  async compareFolder(job: CompareJob, opts: RequestOptions = {}): Promise<CallResult<'compare'>> {
    const count = (await this.worker.request('imageFiles', { target: job.target }, { signal: opts.signal })).length;
    if (this.pool.size === 1 || count < 2) return this.worker.request('compare', job, opts);
    const parts = pieces(
      Array.from({ length: count }, (_, i) => i),
      this.pool.size,
    );
    let done = 0;
    const r = await this.pool.map(parts, 'compareImages', (pick) => ({ job, pick }), {
      signal: opts.signal,
      onResult: (k) => opts.onProgress?.((done += parts[k].length), count),
    });
    return {
      result: summariseComparison(
        r[0].paths,
        r.flatMap((p) => p.images),
      ),
      images: count,
    };
  }

  /**
   * SpRAy over a folder: with a pool, the workers compute the maps a piece of the images each
   * (`sprayMaps`), then the first worker clusters and embeds them (`spray` with the maps).
   */
  async spray(job: SprayJob, opts: RequestOptions = {}): Promise<CallResult<'spray'>> {
    const files = await this.worker.request('imageFiles', { target: job.folder, recursive: true }, { signal: opts.signal });
    // Too few images for the graph: the first worker says so in one line, before any map is computed.
    if (this.pool.size === 1 || files.length <= job.neighbours) return this.worker.request('spray', job, opts);
    if (!isMethod(job.method)) throw new Error(`Unknown method "${job.method}".`);
    const target = await this.worker.request('sprayClass', { model: job.model, classArg: job.classArg }, { signal: opts.signal });
    const parts = pieces(files, this.pool.size, 4);
    let done = 0;
    const maps = await this.pool.map(
      parts,
      'sprayMaps',
      (part) => ({ model: job.model, files: part, target, method: job.method as MethodName, grid: job.grid }),
      {
        signal: opts.signal,
        onResult: (k) => opts.onProgress?.((done += parts[k].length), files.length),
      },
    );
    return this.worker.request('spray', { ...job, maps: maps.flat() }, { signal: opts.signal });
  }

  /**
   * Knowledge points of one model (and its checkpoints) over a folder: with a pool, the first worker
   * plans (`knowledgePlan`: the images with a box, the model files that need points), the workers find
   * the points a piece of the images per model file at a time (`knowledgePoints`), and the first worker
   * takes them for its numbers (`knowledge` with the points).
   */
  async knowledge(job: KnowledgeJob, opts: RequestOptions = {}): Promise<CallResult<'knowledge'>> {
    if (this.pool.size === 1) return this.worker.request('knowledge', job, opts);
    const plan = await this.worker.request('knowledgePlan', job, { signal: opts.signal });
    const parts = pieces(plan.images, this.pool.size);
    const items = plan.models.flatMap((model) => parts.map((images) => ({ model, images })));
    const total = plan.models.length * plan.images.length * plan.params.steps;
    let done = 0;
    const found = await this.pool.map(items, 'knowledgePoints', ({ model, images }) => ({ model, images, layer: plan.layer, params: plan.params }), {
      signal: opts.signal,
      onResult: (k) => opts.onProgress?.((done += items[k].images.length * plan.params.steps), total),
    });
    const points: Record<string, ImagePoints> = {};
    items.forEach((item, k) => (points[item.model] ??= []).push(...found[k]));
    return this.worker.request('knowledge', { ...job, points }, { signal: opts.signal });
  }

  /** The training worker (created on the first training run; no time limit — 0 — as a run takes as long as it takes). */
  get trainer(): WorkerClient {
    this.trainClient ??= this.newClient(0);
    return this.trainClient;
  }

  private get workerFile(): string {
    return path.join(this.context.extensionPath, 'dist', 'worker.js');
  }

  private newClient(timeoutMs: number): WorkerClient {
    return new WorkerClient(this.workerFile, this.clientOptions(timeoutMs));
  }

  private clientOptions(timeoutMs: number): WorkerClientOptions {
    {
      const cfg = vscode.workspace.getConfiguration('modelLens');
      const dist = path.join(this.context.extensionPath, 'dist');
      return {
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
      };
    }
  }

  private resetWorker(): void {
    this.workerPool?.dispose();
    this.workerPool = undefined;
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
    const n = this.poolSize();
    this.status.text = `${this.running ? '$(sync~spin)' : '$(telescope)'} Model Lens: ${this.backend}${this.backend === 'not started' ? '' : ` ×${n}`}`;
    this.status.tooltip = `Model Lens backend: ${this.backend}, ${n} worker${n === 1 ? '' : 's'} (modelLens.workers)${this.running ? ' — a job is running' : ''}. Click to open the log.`;
    this.status.show();
  }

  dispose(): void {
    this.workerPool?.dispose();
    this.trainClient?.dispose();
    this.loopDelay?.dispose();
    this.status.dispose();
    this.log.dispose();
  }
}
