// One explanation's batched loop shared out over a pool (src/pool/split.ts, core/explain/split.ts):
// the same map as one worker, for every batched method, with shares of unequal size; a share whose
// worker dies runs again; a cancel stops every worker; no tensor is left behind.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/core/engine/backend';
import { mapBatched, sumBatched, type BatchSplit, type SplitRecord } from '../../src/core/explain/batching';
import { explainFile } from '../../src/core/explain/explain-file';
import type { FileJob, FileResult } from '../../src/core/explain/file-job';
import { METHODS, methodSpec, type MethodName } from '../../src/core/explain/specs';
import { WorkerPool } from '../../src/pool/pool';
import { splitRun } from '../../src/pool/split';
import { explainPair } from '../../src/core/explain/pair/explain-pair';
import { PAIR_METHODS, pairMethodSpec, type Assign, type PairMethodName } from '../../src/core/explain/pair/specs';
import { readImage } from '../../src/core/image/decode';
import { DEFAULT_PREPROCESS } from '../../src/core/image/preprocess';
import { loadModel } from '../../src/core/model/load';

const repo = path.resolve(__dirname, '..', '..');
const workerFile = path.join(repo, 'dist', 'worker.js');
const demoModel = path.join(repo, 'demo', 'models', 'shapes', 'model.json');
const image = path.join(repo, 'demo', 'images', 'triangle-2.png');
const BATCHED = METHODS.filter((m) => methodSpec(m).batched);

const job = (method: MethodName, params: FileJob['params'] = {}): FileJob => ({
  modelPath: demoModel,
  method,
  target: 'top',
  params: { window: 8, stride: 4, steps: 24, samples: 12, seed: 3, ...params },
  preprocess: [],
  opacity: 0.5,
  colorbar: false,
  topK: 3,
  files: true,
});

const gridOf = (r: FileResult) => (JSON.parse(r.mapJson!) as { grid: { values: number[] } }).grid.values;

/** The largest difference relative to the largest |value| of the reference. */
function relativeGap(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  const scale = Math.max(...a.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

test('mapBatched and sumBatched by shares: each share computes only its items; the replay gives the whole loop, and says which record is missing', async () => {
  await initEngine({ backend: 'cpu' });
  const ctx = (split?: BatchSplit) => ({ params: { batchSize: 2 }, split });
  const calls: number[][] = [];
  const square = (start: number, count: number) => {
    calls.push([start, count]);
    return Array.from({ length: count }, (_, i) => (start + i) ** 2);
  };
  const shares: SplitRecord[][] = [];
  for (let k = 0; k < 3; k++) {
    const split: BatchSplit = { share: { index: k, count: 3 } };
    await mapBatched(ctx(split), 7, square);
    await sumBatched(
      { batchSize: 2, split },
      7,
      () => tf.zeros([2]),
      (start, count) => tf.tensor1d([count, start]),
      () => undefined,
    );
    shares.push(split.records!);
  }
  // Shares of 7 items by 3: [0, 2), [2, 4), [4, 7).
  assert.deepEqual(
    shares.map((s) => (s[0] as { from: number }).from),
    [0, 2, 4],
  );
  const covered = calls.flatMap(([start, count]) => Array.from({ length: count }, (_, i) => start + i)).sort((a, b) => a - b);
  assert.deepEqual(covered, [0, 1, 2, 3, 4, 5, 6], 'every item once');
  const replay: BatchSplit = { replay: shares };
  assert.deepEqual(Array.from(await mapBatched(ctx(replay), 7, square)), [0, 1, 4, 9, 16, 25, 36]);
  const sum = await sumBatched(
    { batchSize: 2, split: replay },
    7,
    () => tf.zeros([2]),
    () => tf.zeros([2]),
    () => undefined,
  );
  // Counts add to 7; the starts of the batches that ran (sizes by the clock: at least the shares' first items) add up in every share.
  assert.equal(sum.dataSync()[0], 7);
  sum.dispose();
  await assert.rejects(mapBatched(ctx(replay), 7, square), { message: 'split replay: share 0 has no map record for loop 2' });
});

test('every batched method on a pool of two and of three workers draws the map one worker draws (within 1e-6 of its largest value); no tensor is left in any worker', async () => {
  await initEngine({ backend: 'wasm' });
  for (const size of [2, 3]) {
    const pool = new WorkerPool(workerFile, size, { configure: { backend: 'wasm' } });
    try {
      for (const method of BATCHED) {
        const one = await explainFile(job(method), image);
        const progress: [number, number][] = [];
        const shared = await splitRun(pool, 'explainFile', { job: job(method), file: image }, { onProgress: (d, t) => progress.push([d, t]) });
        const gap = relativeGap(gridOf(one), gridOf(shared));
        assert.ok(gap <= 1e-6, `${method} on ${size} workers: ${gap}`);
        assert.deepEqual(shared.record.top, one.record.top, method);
        assert.match(shared.line, new RegExp(`, ${size} workers$`));
        const [done, total] = progress.at(-1)!;
        assert.equal(done, total, `${method}: the pool's progress ends at its total`);
      }
      for (const c of pool.clients) {
        const before = await c.request('stats', {});
        await splitRun(pool, 'explainFile', { job: job('ig'), file: image });
        assert.equal((await c.request('stats', {})).numTensors, before.numTensors, 'no tensor left after a split run');
      }
    } finally {
      pool.dispose();
    }
  }
});

test('a share whose worker dies runs again on its replacement; a cancel stops every worker and the pool works after it', async () => {
  const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-split-')), 'marker');
  process.env.MODEL_LENS_INJECT_WORKER_EXIT = `triangle-2.png:${marker}`;
  const pool = new WorkerPool(workerFile, 2, { configure: { backend: 'wasm' } });
  try {
    const shared = await splitRun(pool, 'explainFile', { job: job('occlusion'), file: image });
    assert.ok(fs.existsSync(marker), 'a worker was made to exit');
    assert.equal(pool.restarts, 1);
    const one = await explainFile(job('occlusion'), image);
    assert.ok(relativeGap(gridOf(one), gridOf(shared)) <= 1e-6);

    const controller = new AbortController();
    const slow = job('occlusion', { window: 2, stride: 1 });
    const run = splitRun(pool, 'explainFile', { job: slow, file: image }, { signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(run, { name: 'AbortError' });
    for (const c of pool.clients) assert.equal((await c.request('stats', {})).busy, false);
    const after = await splitRun(pool, 'explainFile', { job: job('scorecam'), file: image });
    assert.ok(relativeGap(gridOf(await explainFile(job('scorecam'), image)), gridOf(after)) <= 1e-6);
  } finally {
    delete process.env.MODEL_LENS_INJECT_WORKER_EXIT;
    pool.dispose();
  }
});

test('the pair methods by shares: three shares of every loop, replayed, give the maps of one pass (pairwise with either assignment too); no tensor left', async () => {
  await initEngine({ backend: 'wasm' });
  const encoder = await loadModel(path.join(repo, 'demo', 'models', 'encoder', 'model.json'));
  const imageA = await readImage(path.join(repo, 'demo', 'images', 'circle-1.png'));
  const imageB = await readImage(path.join(repo, 'demo', 'images', 'circle-2.png'));
  const before = tf.memory().numTensors;
  const runs = PAIR_METHODS.filter((m) => pairMethodSpec(m).batched).flatMap((method): { method: PairMethodName; assign?: Assign }[] =>
    method === 'pairwise' ? (['both', 'smaller-norm'] as const).map((assign) => ({ method, assign })) : [{ method }],
  );
  assert.deepEqual(
    runs.map((r) => r.method),
    ['conditional', 'context-agnostic', 'pairwise', 'pairwise', 'averaged-transforms'],
  );
  for (const { method, assign } of runs) {
    const opts = {
      method,
      preprocess: DEFAULT_PREPROCESS,
      params: { window: 16, stride: 8, samples: 12, seed: 5, batchSize: 4, ...(assign ? { assign } : {}) },
    };
    const one = await explainPair(encoder, imageA, imageB, opts);
    const shares: SplitRecord[][] = [];
    for (let index = 0; index < 3; index++) {
      const split: BatchSplit = { share: { index, count: 3 } };
      await explainPair(encoder, imageA, imageB, { ...opts, split });
      assert.ok(split.records!.length > 0, `${method}: share ${index} recorded its loops`);
      shares.push(split.records!);
    }
    const replayed = await explainPair(encoder, imageA, imageB, { ...opts, split: { replay: shares } });
    for (const view of ['a', 'b'] as const) {
      const gap = relativeGap(Array.from(one[view].grid.values), Array.from(replayed[view].grid.values));
      assert.ok(gap <= 1e-6, `${method}${assign ? ` (${assign})` : ''}, view ${view}: ${gap}`);
    }
    assert.equal(replayed.base, one.base);
  }
  assert.equal(tf.memory().numTensors, before);
});
