import { getHeapStatistics } from 'node:v8';
import { parentPort, threadId } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../core/engine/backend';
import { isWasmTrap } from '../core/errors';
import { setLimits } from '../core/limits';
import { recoverFromTrap } from '../core/recover';
import { cachedModelCount, clearModelCache, modelLoadCount } from '../core/model/load';
import {
  transferables,
  type CallParams,
  type CallPartial,
  type CallResult,
  type CallType,
  type WorkerReply,
  type WorkerRequest,
  type WorkerStats,
} from '../protocol/worker';
import { explainFile } from '../core/explain/explain-file';
import { sprayClass, sprayMapsOf } from '../core/spray/spray-run';
import { listImages } from '../core/image/image-list';
import { evaluateImages } from '../core/metrics/evaluate-run';
import { knowledgePointsOf } from '../core/distill/knowledge-run';
import { ourError } from './errors';
import { exitIfAsked } from './fault';
import {
  compareJob,
  distillJob,
  estimateJob,
  exportPngJob,
  explainJob,
  knowledgeJob,
  layerPreviewJob,
  pairJob,
  metricsJob,
  sprayJob,
  compareImagesJob,
  knowledgePlanJob,
  summaryJob,
} from './jobs';

/**
 * The worker: one job at a time, in arrival order; `cancel` aborts a running job (checked between
 * batches) or drops a queued one; `stats` is answered at once. Progress and partial results are
 * throttled to one message per 100 ms.
 */
const port = parentPort;
if (!port) throw new Error('src/worker/main.ts must run in a worker thread');

type Job = Exclude<WorkerRequest, { type: 'cancel' } | { type: 'stats' }>;
const queue: Job[] = [];
const controllers = new Map<number, AbortController>();
let running: number | undefined;
let configured: Promise<string> | undefined;

function send(reply: WorkerReply): void {
  port!.postMessage(reply, transferables(reply));
}

/** At most one call per 100 ms, except the last (done = total) for progress. */
function throttle<A extends unknown[]>(f: (...a: A) => void, always: (...a: A) => boolean = () => false): (...a: A) => void {
  let last = 0;
  return (...a) => {
    const now = Date.now();
    if (!always(...a) && now - last < 100) return;
    last = now;
    f(...a);
  };
}

/** What a handler gets besides its parameters. */
interface JobContext<P> {
  signal: AbortSignal;
  progress: (done: number, total: number) => void;
  partial: (value: P) => void;
}

function statsNow(): WorkerStats {
  (globalThis as { gc?: () => void }).gc?.();
  const wasm = tf.engine().backendName === 'wasm' ? (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm : undefined;
  return {
    threadId,
    backend: (tf.engine().backendName as string | null) ?? 'none',
    numTensors: tf.memory().numTensors,
    cachedModels: cachedModelCount(),
    modelLoads: modelLoadCount(),
    busy: running !== undefined,
    heapBytes: getHeapStatistics().used_heap_size,
    wasmBytes: wasm?.HEAPU8?.buffer.byteLength ?? 0,
  };
}

/** One handler per request type (protocol/worker.ts: WorkerCalls). */
const HANDLERS: { [K in CallType]: (params: CallParams<K>, ctx: JobContext<CallPartial<K>>) => Promise<CallResult<K>> } = {
  configure: async (p) => {
    clearModelCache();
    setLimits(p.limits ?? {});
    configured = initEngine({ backend: p.backend === 'auto' ? undefined : p.backend, tfjsNodePath: p.tfjsNodePath, wasmDir: p.wasmDir });
    return configured;
  },
  summary: (p) => summaryJob(p.modelPath),
  explain: (job, ctx) => explainJob(job, ctx.signal, ctx.progress),
  explainFile: (p, ctx) => {
    exitIfAsked(p.file);
    return explainFile(p.job, p.file, { signal: ctx.signal, split: p.split, onProgress: ctx.progress });
  },
  estimate: (job) => estimateJob(job),
  exportPng: (job) => exportPngJob(job),
  layerPreview: (job, ctx) => layerPreviewJob(job, ctx.signal, ctx.partial, ctx.progress),
  pair: (job, ctx) => pairJob(job, ctx.signal, throttle(ctx.partial), ctx.progress),
  compare: (job, ctx) => compareJob(job, ctx.signal, ctx.progress),
  spray: (job, ctx) => sprayJob(job, ctx.signal, ctx.progress),
  sprayMaps: (job, ctx) => {
    for (const f of job.files) exitIfAsked(f);
    return sprayMapsOf(job, { signal: ctx.signal, onProgress: ctx.progress });
  },
  knowledgePlan: (job) => knowledgePlanJob(job),
  knowledgePoints: (job, ctx) => {
    for (const img of job.images) exitIfAsked(img.file);
    return knowledgePointsOf(job, { signal: ctx.signal, onProgress: ctx.progress });
  },
  compareImages: (p, ctx) => compareImagesJob(p, ctx.signal, ctx.progress),
  sprayClass: (p) => sprayClass(p.model, p.classArg),
  imageFiles: async (p) => listImages(p.target, { recursive: p.recursive }).map((f) => f.file),
  evaluateImages: (p, ctx) => evaluateImages({ ...p.job, signal: ctx.signal, onProgress: ctx.progress }, p.pick),
  metrics: (job, ctx) => metricsJob(job, ctx.signal, ctx.progress),
  knowledge: (job, ctx) => knowledgeJob(job, ctx.signal, ctx.progress),
  distill: (job, ctx) => distillJob(job, ctx.signal, ctx.progress, ctx.partial),
  stats: async () => statsNow(),
};

function dispatch<K extends CallType>(type: K, params: CallParams<K>, ctx: JobContext<CallPartial<K>>): Promise<CallResult<K>> {
  return HANDLERS[type](params, ctx);
}

async function run(req: Job): Promise<void> {
  const controller = new AbortController();
  controllers.set(req.id, controller);
  running = req.id;
  try {
    if (req.type !== 'configure') {
      if (!configured) configured = initEngine();
      await configured;
    }
    const value = await dispatch(req.type, req.params, {
      signal: controller.signal,
      progress: throttle(
        (done, total) => send({ type: 'progress', id: req.id, done, total }),
        (done, total) => done >= total,
      ),
      partial: (value) => send({ type: 'partial', id: req.id, value }),
    });
    send({ type: 'result', id: req.id, value });
  } catch (err) {
    const e = err as Error;
    configured = req.type === 'configure' ? undefined : configured;
    if (isWasmTrap(e)) {
      // The trapped engine may be corrupt: drop its models and make a fresh one before the next job.
      await recoverFromTrap().catch(() => (configured = undefined));
      send({
        type: 'error',
        id: req.id,
        name: 'EngineTrap',
        message: `The computation failed inside WebAssembly (${e.message.split('\n')[0]}); the engine was restarted.`,
      });
      return;
    }
    send({ type: 'error', id: req.id, ...ourError(e, req.type) });
  } finally {
    controllers.delete(req.id);
    running = undefined;
  }
}

let draining = false;
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  while (queue.length) await run(queue.shift()!);
  draining = false;
}

port.on('message', (req: WorkerRequest) => {
  if (req.type === 'cancel') {
    const i = queue.findIndex((q) => q.id === req.target);
    if (i >= 0) {
      const [dropped] = queue.splice(i, 1);
      send({ type: 'error', id: dropped.id, name: 'AbortError', message: 'The job was cancelled.' });
    }
    controllers.get(req.target)?.abort();
    send({ type: 'result', id: req.id, value: true });
    return;
  }
  if (req.type === 'stats') {
    send({ type: 'result', id: req.id, value: statsNow() });
    return;
  }
  queue.push(req);
  void drain();
});
