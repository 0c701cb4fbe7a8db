/**
 * `npm run soak [-- --jobs N]`: many mixed jobs in one worker, as the extension's long-lived worker
 * meets them — methods, models of every format, cancels — with the worker's tensor count, JS heap
 * (after a collection) and wasm memory sampled after every job. Prints the curve every 50 jobs and
 * exits 1 if the tensor count ever leaves its baseline, or if the heap or the wasm memory after the
 * last job is more than 10 % above its value after job 100. Run with --expose-gc (npm run soak does):
 * V8 flags hold for the worker thread too, which then collects before each sample.
 */
import * as path from 'node:path';
import { WorkerClient } from '../src/pool/worker-client';
import type { ExplainJob, WorkerStats } from '../src/protocol/worker';

const repo = path.resolve(__dirname, '..', '..');
const jobsArg = process.argv.indexOf('--jobs');
const JOBS = jobsArg > 0 ? Number(process.argv[jobsArg + 1]) : 1000;

const models = [
  path.join(repo, 'demo', 'models', 'shapes', 'model.json'),
  path.join(repo, 'test', 'fixtures', 'onnx', 'small-cnn.onnx'),
  path.join(repo, 'test', 'fixtures', 'keras', 'keras2-sequential.h5'),
  path.join(repo, 'demo', 'models', 'encoder', 'model.json'),
];
const images = ['circle-1.png', 'square-2.png', 'triangle-3.png', 'cross-4.png', 'square-watermark-1.png'].map((f) => path.join(repo, 'demo', 'images', f));
const methods: ExplainJob['method'][] = ['gradcam', 'gradcam++', 'saliency', 'gradxinput', 'layercam', 'xgradcam', 'occlusion', 'smoothgrad', 'ig', 'eigencam'];

async function main(): Promise<number> {
  const c = new WorkerClient(path.join(repo, 'dist', 'worker.js'), {
    timeoutMs: 120_000,
    cancelGraceMs: 1500,
    configure: { backend: 'wasm' },
  });
  const stats = (): Promise<WorkerStats> => c.request('stats', {});
  let baseline: number | undefined;
  let at100: WorkerStats | undefined;
  let last: WorkerStats | undefined;
  let leaks = 0;
  let cancels = 0;
  let failures = 0;
  const started = Date.now();
  console.log('job   tensors  heap MB  wasm MB  (every 50 jobs; tensors must stay at their baseline)');
  let reloads = 0;
  try {
    // Every model loaded once first: their weights are the baseline the count must return to.
    for (const modelPath of models) await c.request('explain', { modelPath, imagePath: images[0], method: 'gradcam' });
    let loads = (await stats()).modelLoads;
    for (let i = 0; i < JOBS; i++) {
      const modelPath = models[i % models.length];
      const method = methods[(i * 7) % methods.length];
      const job: ExplainJob = { modelPath, imagePath: images[(i * 3) % images.length], method, params: { steps: 8, samples: 4, window: 8, stride: 4 } };
      // Every 9th job is cancelled at its first progress message (occlusion, which reports progress).
      const cancel = i % 9 === 4;
      const ac = new AbortController();
      try {
        await c.request('explain', cancel ? { ...job, method: 'occlusion', params: { window: 4, stride: 1 } } : job, {
          signal: ac.signal,
          onProgress: () => cancel && ac.abort(),
        });
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'AbortError') cancels++;
        else if (name !== 'InputError') {
          failures++;
          console.log(`job ${i + 1}: ${name}: ${(err as Error).message}`);
        }
      }
      const s = await stats();
      if (s.modelLoads !== loads) {
        // The worker was restarted (a cancel that did not stop in time) and read a model again.
        reloads++;
        loads = s.modelLoads;
        baseline = s.numTensors;
      }
      baseline ??= s.numTensors;
      if (s.numTensors !== baseline) {
        leaks++;
        console.log(`job ${i + 1} (${method} on ${path.basename(modelPath)}): ${s.numTensors} tensors, baseline ${baseline}`);
        baseline = s.numTensors;
      }
      if (i + 1 === 100) at100 = s;
      last = s;
      if ((i + 1) % 50 === 0)
        console.log(
          `${String(i + 1).padStart(4)}  ${String(s.numTensors).padStart(7)}  ${(s.heapBytes / 1e6).toFixed(1).padStart(7)}  ${(s.wasmBytes / 1e6).toFixed(1).padStart(7)}`,
        );
    }
  } finally {
    c.dispose();
  }
  const growth = (a: number, b: number): string => `${(((b - a) / a) * 100).toFixed(1)} %`;
  console.log(
    `${JOBS} jobs in ${((Date.now() - started) / 1000).toFixed(0)} s: ${cancels} cancelled, ${failures} failed, ${reloads} model reloads, tensor count left its baseline ${leaks} times (baseline ${baseline})`,
  );
  if (!at100 || !last) return failures || leaks ? 1 : 0;
  const heapOk = last.heapBytes <= at100.heapBytes * 1.1;
  const wasmOk = last.wasmBytes <= at100.wasmBytes * 1.1;
  console.log(
    `after job 100 → ${JOBS}: heap ${(at100.heapBytes / 1e6).toFixed(1)} → ${(last.heapBytes / 1e6).toFixed(1)} MB (${growth(at100.heapBytes, last.heapBytes)}), wasm ${(at100.wasmBytes / 1e6).toFixed(1)} → ${(last.wasmBytes / 1e6).toFixed(1)} MB (${growth(at100.wasmBytes, last.wasmBytes)}); bound 10 %: ${heapOk && wasmOk ? 'held' : 'EXCEEDED'}`,
  );
  return failures || leaks || !heapOk || !wasmOk ? 1 : 0;
}

main().then((code) => (process.exitCode = code));
