// The command line's pool of worker threads (src/pool/): how many workers a command runs on, the worker
// bundle, a pool configured like this process's engine, and a worker's failure as the command line reports it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackendError, nativeBackendChosen } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { limits } from '../core/limits';
import { defaultPoolSize, WorkerPool, poolSize } from '../pool/pool';

export { pieces } from '../pool/pool';
import { WorkerJobError } from '../pool/worker-client';
import type { BackendChoice } from '../protocol/worker';
import { workersOption } from './folder-job';

/**
 * `--workers N` for `what` (0 or absent: one per core while half the memory holds them), never more than `items`; the native backend
 * runs in this thread alone (its kernels use every core themselves; a native add-on is loaded once).
 */
export function workerCount(raw: string | undefined, what: string, backendArg: string | undefined, stderr: (s: string) => void, items = Infinity): number {
  const asked = workersOption(raw);
  // Asked for: that many; by default one per core, as many as half the machine's memory holds.
  const n = asked === undefined ? defaultPoolSize(Math.max(1, items)) : poolSize({ asked, items: Math.max(1, items) });
  if (n === 1 || !nativeBackendChosen(backendArg ?? process.env.MODEL_LENS_BACKEND)) return n;
  stderr(`model-lens ${what}: note: the native tensorflow backend runs in one thread (its kernels use every core), so one worker`);
  return 1;
}

/** The worker bundle beside the command line's bundle (dist/), or dist/ from the sources (tests). */
export function workerFile(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', '..', 'dist', 'worker.js')];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`the worker bundle is missing (looked for ${candidates.join(' and ')}); run npm run build`);
  return found;
}

/** A worker's failure as the command line reports it: our errors keep their kind (exit 2 for bad input). */
export function fromWorker(e: unknown, file: string): Error {
  if (!(e instanceof WorkerJobError)) return e as Error;
  if (e.name === 'InputError') return new InputError(e.message);
  if (e.name === 'BackendError') return new BackendError(e.message);
  if (e.name === 'AbortError') return e;
  return new Error(`${file}: ${e.detail?.split('\n')[0] ?? e.message}`);
}

/**
 * Runs `job` on a pool of `workers` workers with the backend this command asked for (--backend, else
 * MODEL_LENS_BACKEND, else auto) and the process's limits; the pool is closed afterwards. `backend`:
 * the backend the first worker loaded.
 */
export async function withPool<T>(workers: number, backendArg: string | undefined, job: (pool: WorkerPool, backend: string) => Promise<T>): Promise<T> {
  const configure = { backend: (backendArg ?? process.env.MODEL_LENS_BACKEND ?? 'auto') as BackendChoice, limits: { ...limits() } };
  const pool = new WorkerPool(workerFile(), workers, { configure });
  try {
    return await job(pool, await pool.clients[0].request('configure', configure));
  } finally {
    pool.dispose();
  }
}

/** A worker-restart line for stderr, or nothing when none was replaced. */
export function restartNote(what: string, pool: WorkerPool, unit: string): string | undefined {
  const n = pool.restarts;
  if (!n) return undefined;
  return `model-lens ${what}: ${n} worker${n === 1 ? '' : 's'} stopped and ${n === 1 ? 'was' : 'were'} replaced; ${n === 1 ? `its ${unit}` : `their ${unit}s`} ran again`;
}
