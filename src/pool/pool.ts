import { availableParallelism, totalmem } from 'node:os';
import type { CallParams, CallResult, CallType } from '../protocol/worker';
import { WorkerClient, WorkerJobError, type WorkerClientOptions } from './worker-client';

/**
 * The number of workers for a job of `items` items: `asked` if given, else one per core (less one
 * when the caller's own thread also works, as the extension host does), never more than there are
 * items, never more than the memory budget allows (`perWorkerBytes` of `budgetBytes`), at least one.
 */
/**
 * What one worker may take: its batches stay within the engine's budget (768 MB of activations on wasm,
 * engine/memory.ts), plus its model copy and heap — about 1 GB measured on a MobileNetV2 (bench --pool).
 */
export const WORKER_MEMORY_BYTES = 1.25 * 2 ** 30;

/** The pool a machine gets by default: one worker per core, no more than half its memory holds. */
export function defaultPoolSize(items = Infinity): number {
  return poolSize({ items, perWorkerBytes: WORKER_MEMORY_BYTES, budgetBytes: totalmem() / 2 });
}

export function poolSize(o: { asked?: number; items: number; cores?: number; perWorkerBytes?: number; budgetBytes?: number }): number {
  const cores = o.cores ?? availableParallelism();
  let n = o.asked ?? cores;
  if (o.perWorkerBytes && o.budgetBytes) n = Math.min(n, Math.floor(o.budgetBytes / o.perWorkerBytes));
  return Math.max(1, Math.min(n, o.items));
}

/** `items` cut into about four pieces per worker (a slow piece does not hold the others back), each at least `min` long, in order. */
export function pieces<T>(items: readonly T[], workers: number, min = 1): T[][] {
  const size = Math.max(min, Math.ceil(items.length / (4 * workers)));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface MapOptions<R> {
  signal?: AbortSignal;
  /** Called as each item finishes (in finishing order), with the item's index. */
  onResult?: (index: number, result: R) => void;
  /** How often an item whose worker died is run again on the replacement (default 1). */
  retries?: number;
}

/**
 * A pool of worker threads, each a `WorkerClient` (its own model copies, its own wasm engine): `map`
 * hands items to whichever worker is free, so a slow image does not hold the others back. A worker
 * that dies is replaced by its client on the next request and the item it held runs again; any
 * other failure stops the job (the items still queued are not started) and is thrown. Cancelling
 * the signal cancels every worker's job.
 */
export class WorkerPool {
  readonly clients: WorkerClient[];

  constructor(workerFile: string, size: number, options: WorkerClientOptions = {}) {
    this.clients = Array.from({ length: Math.max(1, size) }, () => new WorkerClient(workerFile, options));
  }

  get size(): number {
    return this.clients.length;
  }

  /** How many times workers were replaced after dying (every client's restarts). */
  get restarts(): number {
    return this.clients.reduce((s, c) => s + c.restarts, 0);
  }

  async map<K extends CallType, T>(
    items: readonly T[],
    type: K,
    params: (item: T) => CallParams<K>,
    opts: MapOptions<CallResult<K>> = {},
  ): Promise<CallResult<K>[]> {
    const results = new Array<CallResult<K>>(items.length);
    let next = 0;
    let failed: Error | undefined;
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const lane = async (client: WorkerClient) => {
      while (!failed && !inner.signal.aborted && next < items.length) {
        const i = next++;
        for (let attempt = 0; ; attempt++) {
          try {
            results[i] = await client.request(type, params(items[i]), { signal: inner.signal });
            opts.onResult?.(i, results[i]);
            break;
          } catch (e) {
            const died = e instanceof WorkerJobError && e.name === 'WorkerDied';
            if (died && attempt < (opts.retries ?? 1) && !inner.signal.aborted) continue;
            if (!failed) failed = e as Error;
            inner.abort();
            return;
          }
        }
      }
    };
    try {
      await Promise.all(this.clients.map(lane));
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (failed && !(opts.signal?.aborted && failed.name === 'AbortError')) throw failed;
    if (opts.signal?.aborted) throw new WorkerJobError('AbortError', 'The job was cancelled.');
    return results;
  }

  dispose(): void {
    for (const c of this.clients) c.dispose();
  }
}
