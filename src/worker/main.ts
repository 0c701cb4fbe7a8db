import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../core/engine/backend';
import { isWasmTrap } from '../core/errors';
import { setLimits } from '../core/limits';
import { recoverFromTrap } from '../core/recover';
import { cachedModelCount, clearModelCache, modelLoadCount } from '../core/model/load';
import type { ExplainResultMessage, WorkerReply, WorkerRequest, WorkerStats } from '../protocol/worker';
import { explainJob, layerPreviewJob, pairJob, summaryJob } from './jobs';

/**
 * The worker: one job at a time, in arrival order; `cancel` aborts a running job (checked between
 * batches) or drops a queued one. Progress is throttled to one message per 100 ms.
 */
const port = parentPort;
if (!port) throw new Error('src/worker/main.ts must run in a worker thread');

const queue: Exclude<WorkerRequest, { type: 'cancel' } | { type: 'stats' }>[] = [];
const controllers = new Map<number, AbortController>();
let running: number | undefined;
let configured: Promise<string> | undefined;

function send(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(reply, transfer);
}

function buffersOf(r: ExplainResultMessage): ArrayBuffer[] {
  return [r.grid.values.buffer, r.image.values.buffer, r.picture.rgba.buffer, r.modelInput.rgba.buffer] as ArrayBuffer[];
}

function throttled(id: number): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    send({ type: 'progress', id, done, total });
  };
}

async function run(req: (typeof queue)[number]): Promise<void> {
  const controller = new AbortController();
  controllers.set(req.id, controller);
  running = req.id;
  try {
    if (req.type === 'configure') {
      clearModelCache();
      setLimits(req.limits ?? {});
      configured = initEngine({ backend: req.backend === 'auto' ? undefined : req.backend, tfjsNodePath: req.tfjsNodePath, wasmDir: req.wasmDir });
      send({ type: 'result', id: req.id, value: await configured });
      return;
    }
    if (!configured) configured = initEngine();
    await configured;
    if (req.type === 'summary') {
      send({ type: 'result', id: req.id, value: await summaryJob(req.modelPath) });
    } else if (req.type === 'explain') {
      const r = await explainJob(req.job, controller.signal, throttled(req.id));
      send({ type: 'result', id: req.id, value: r }, buffersOf(r));
    } else if (req.type === 'pair') {
      let last = 0;
      const r = await pairJob(
        req.job,
        controller.signal,
        (p) => {
          const now = Date.now();
          if (now - last < 100) return;
          last = now;
          send({ type: 'partial', id: req.id, value: p }, [p.grid.values.buffer as ArrayBuffer]);
        },
        throttled(req.id),
      );
      send({ type: 'result', id: req.id, value: r }, [
        r.a.grid.values.buffer,
        r.a.image.values.buffer,
        r.a.picture.rgba.buffer,
        r.b.grid.values.buffer,
        r.b.image.values.buffer,
        r.b.picture.rgba.buffer,
      ] as ArrayBuffer[]);
    } else {
      const n = await layerPreviewJob(
        req.job,
        controller.signal,
        (p) => send({ type: 'partial', id: req.id, value: p }, [p.grid.values.buffer as ArrayBuffer]),
        throttled(req.id),
      );
      send({ type: 'result', id: req.id, value: n });
    }
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
    send({ type: 'error', id: req.id, name: e.name, message: e.message.split('\n')[0] });
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
    (globalThis as { gc?: () => void }).gc?.();
    const wasm = tf.engine().backendName === 'wasm' ? (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm : undefined;
    const stats: WorkerStats = {
      backend: (tf.engine().backendName as string | null) ?? 'none',
      numTensors: tf.memory().numTensors,
      cachedModels: cachedModelCount(),
      modelLoads: modelLoadCount(),
      busy: running !== undefined,
      heapBytes: getHeapStatistics().used_heap_size,
      wasmBytes: wasm?.HEAPU8?.buffer.byteLength ?? 0,
    };
    send({ type: 'result', id: req.id, value: stats });
    return;
  }
  queue.push(req);
  void drain();
});
