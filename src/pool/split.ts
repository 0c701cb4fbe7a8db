import type { BatchSplit, SplitRecord } from '../core/explain/split';
import type { CallParams, CallPartial, CallResult } from '../protocol/worker';
import type { WorkerPool } from './pool';
import { WorkerJobError } from './worker-client';

/** The jobs whose batched loops can be shared out: their parameters take a `split`; from a share's result, its records and its time in the method. */
const SPLIT_CALLS = {
  explain: (r: CallResult<'explain'>) => ({ records: r.split ?? [], ms: r.timeMs }),
  explainFile: (r: CallResult<'explainFile'>) => ({ records: r.split ?? [], ms: Number(r.record.timeMs ?? 0) }),
  pair: (r: CallResult<'pair'>) => ({ records: r.split ?? [], ms: r.timeMs }),
};
type SplitCall = keyof typeof SPLIT_CALLS;

export interface SplitOptions<P = unknown> {
  signal?: AbortSignal;
  /** The first share's partial results (a pair method's maps so far). */
  onPartial?: (p: P) => void;
  /** The pool's progress: the shares' items done of all their items. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * One explanation of a batched method on every worker of the pool (core/explain/split.ts): each
 * worker runs the method on its share of the loop's items — occlusion windows, Score-CAM or
 * Ablation-CAM channels, SmoothGrad samples, Integrated-Gradients steps, a pair method's windows or
 * trials — then the first worker runs it once more with every share's values in place of computing,
 * and its result is the job's. A share whose worker died runs again on the replacement (once);
 * cancelling the signal cancels every worker.
 */
export async function splitRun<K extends SplitCall>(
  pool: WorkerPool,
  type: K,
  params: CallParams<K>,
  opts: SplitOptions<CallPartial<K>> = {},
): Promise<CallResult<K>> {
  const split = await splitShares(pool, type, params, opts);
  return pool.clients[0].request(type, { ...params, split }, { signal: opts.signal });
}

/**
 * The shares of `splitRun` without its last step: every worker's records, to replay where the caller
 * runs the method itself (the command line replays a pair method in its own thread, where it draws
 * and writes the result).
 */
export async function splitShares<K extends SplitCall>(
  pool: WorkerPool,
  type: K,
  params: CallParams<K>,
  opts: SplitOptions<CallPartial<K>> = {},
): Promise<{ replay: SplitRecord[][]; sharesMs: number }> {
  const n = pool.size;
  const progress = Array.from({ length: n }, () => ({ done: 0, total: 0 }));
  const report = () => {
    const done = progress.reduce((s, p) => s + p.done, 0);
    const total = progress.reduce((s, p) => s + p.total, 0);
    if (total > 0) opts.onProgress?.(done, total);
  };
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Every share settles before the job does: after a failure or a cancel, no worker is still busy with it.
    const settled = await Promise.allSettled(
      pool.clients.map(async (client, index) => {
        const split: BatchSplit = { share: { index, count: n } };
        for (let attempt = 0; ; attempt++) {
          try {
            const r = await client.request(
              type,
              { ...params, split },
              {
                signal: inner.signal,
                ...(index === 0 && opts.onPartial ? { onPartial: opts.onPartial } : {}),
                onProgress: (done, total) => {
                  progress[index] = { done, total };
                  report();
                },
              },
            );
            return (SPLIT_CALLS[type] as (r: CallResult<K>) => { records: SplitRecord[]; ms: number })(r);
          } catch (e) {
            if (e instanceof WorkerJobError && e.name === 'WorkerDied' && attempt < 1 && !inner.signal.aborted) continue;
            inner.abort();
            throw e;
          }
        }
      }),
    );
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    // A share's own failure is the job's; the other shares were cancelled because of it.
    const failed = rejected.find((s) => (s.reason as Error).name !== 'AbortError') ?? rejected[0];
    if (failed) throw opts.signal?.aborted ? new WorkerJobError('AbortError', 'The job was cancelled.') : failed.reason;
    const shares = settled.map((s) => (s as PromiseFulfilledResult<{ records: SplitRecord[]; ms: number }>).value);
    return { replay: shares.map((s) => s.records), sharesMs: Math.max(...shares.map((s) => s.ms)) };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
