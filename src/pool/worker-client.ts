import { Worker } from 'node:worker_threads';
import type { CallParams, CallPartial, CallResult, CallType, ConfigureParams, WorkerReply, WorkerRequest } from '../protocol/worker';

export interface RequestOptions<P = unknown> {
  onProgress?: (done: number, total: number) => void;
  onPartial?: (value: P) => void;
  signal?: AbortSignal;
  /** Default: the client's timeout. */
  timeoutMs?: number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  opts: RequestOptions<never>;
  timer?: NodeJS.Timeout;
  cleanup: () => void;
}

export class WorkerJobError extends Error {
  constructor(
    name: string,
    message: string,
    /** What the underlying library said (logged, never shown). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = name;
  }
}

export interface WorkerClientOptions {
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** How long a cancelled job may take to stop before the worker is terminated and restarted. */
  cancelGraceMs?: number;
  log?: (line: string) => void;
  /** Sent first to every new worker (backend choice and paths). */
  configure?: ConfigureParams;
}

/**
 * The host's side of the worker: one lazily created worker thread, typed requests with ids,
 * progress and partial results, cancellation, timeouts, and a restart when the worker dies — the
 * running job then fails with a clear message and the next one works.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  restarts = 0;

  constructor(
    private readonly workerFile: string,
    private readonly options: WorkerClientOptions = {},
  ) {}

  private log(line: string): void {
    this.options.log?.(line);
  }

  private ensureWorker(): Worker {
    if (this.disposed) throw new Error('The Model Lens worker client was disposed.');
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile);
    this.worker = worker;
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (err) => this.onExit(worker, `it failed: ${err.message}`));
    worker.on('exit', (code) => this.onExit(worker, `it exited with code ${code}`));
    this.log(`worker started (${this.workerFile})`);
    if (this.options.configure)
      void this.post('configure', { ...this.options.configure }, {}, worker).catch((e: Error) => this.log(`configure failed: ${e.message}`));
    return worker;
  }

  private onExit(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.restarts++;
    this.log(`worker stopped: ${why}`);
    const err = new WorkerJobError('WorkerDied', `The Model Lens worker stopped unexpectedly (${why}); it restarts for the next job.`);
    for (const [id, p] of this.pending) {
      p.cleanup();
      this.pending.delete(id);
      p.reject(err);
    }
  }

  private onReply(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if (reply.type === 'progress') return p.opts.onProgress?.(reply.done, reply.total);
    if (reply.type === 'partial') return (p.opts.onPartial as ((v: unknown) => void) | undefined)?.(reply.value);
    p.cleanup();
    this.pending.delete(reply.id);
    if (reply.type === 'result') p.resolve(reply.value);
    else p.reject(new WorkerJobError(reply.name, reply.message, reply.detail));
  }

  /** Terminates the worker (a stuck job); pending requests fail, the next request starts a new worker. */
  async restart(reason: string): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.onExit(w, reason);
    await w.terminate();
  }

  private post<K extends CallType>(type: K, params: CallParams<K>, opts: RequestOptions<CallPartial<K>>, worker = this.ensureWorker()): Promise<CallResult<K>> {
    const id = this.nextId++;
    return new Promise<CallResult<K>>((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        worker.postMessage({ type: 'cancel', id: this.nextId++, target: id } satisfies WorkerRequest);
        // A batch that cannot be interrupted: terminate and restart the worker.
        graceTimer = setTimeout(() => {
          if (this.pending.has(id)) void this.restart('a cancelled job did not stop in time');
        }, this.options.cancelGraceMs ?? 1500);
      };
      const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
      const entry: Pending = {
        resolve: resolve as (v: unknown) => void,
        reject,
        opts: opts as RequestOptions<never>,
        cleanup: () => {
          if (entry.timer) clearTimeout(entry.timer);
          if (graceTimer) clearTimeout(graceTimer);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      if (timeoutMs) {
        entry.timer = setTimeout(() => {
          if (!this.pending.has(id)) return;
          entry.cleanup();
          this.pending.delete(id);
          reject(
            new WorkerJobError(
              'TimeoutError',
              `The job took longer than ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} and was stopped.`,
            ),
          );
          void this.restart('a job timed out');
        }, timeoutMs);
      }
      if (opts.signal?.aborted) return reject(new WorkerJobError('AbortError', 'The job was cancelled.'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, entry);
      worker.postMessage({ type, id, params } as WorkerRequest);
    });
  }

  /** Sends a request; the promise settles with its result, typed by WorkerCalls (`request('explain', job)` gives the explain result). */
  request<K extends CallType>(type: K, params: CallParams<K>, opts: RequestOptions<CallPartial<K>> = {}): Promise<CallResult<K>> {
    return this.post(type, params, opts);
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    const err = new Error('The Model Lens worker was shut down.');
    for (const p of this.pending.values()) {
      p.cleanup();
      p.reject(err);
    }
    this.pending.clear();
    void w?.terminate();
  }
}
