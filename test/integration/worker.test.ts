import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient } from '../../src/pool/worker-client';
import type { LayerPreviewMessage, PairPartialMessage } from '../../src/protocol/worker';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mobileNetV2Layers } from '../../bench/lib/mobilenet-v2';
import { saveLayersModel } from '../../src/core/model/save';

const repo = path.resolve(__dirname, '..', '..');
const workerFile = path.join(repo, 'dist', 'worker.js');
const modelPath = path.join(repo, 'demo', 'models', 'shapes', 'model.json');
const image = (f: string) => path.join(repo, 'demo', 'images', f);

function client(): WorkerClient {
  return new WorkerClient(workerFile, { timeoutMs: 120_000, cancelGraceMs: 1500, configure: { backend: 'wasm' } });
}

test('the worker summarises and explains; maps arrive as typed arrays; the model is loaded once', async () => {
  const c = client();
  try {
    const s = await c.request('summary', { modelPath });
    assert.equal(s.defaultLayer, 'last_conv_relu');
    assert.deepEqual(s.labels, ['circle', 'square', 'triangle', 'cross']);
    const progress: number[] = [];
    const r = await c.request('explain', { modelPath, imagePath: image('triangle-2.png'), method: 'scorecam' }, { onProgress: (d) => progress.push(d) });
    assert.equal(r.top[0].label, 'triangle');
    assert.equal(r.backend, 'wasm');
    assert.ok(r.image.values instanceof Float32Array);
    assert.equal(r.picture.rgba.length, 64 * 64 * 4);
    assert.ok(progress.length > 0, 'progress was reported');
    await c.request('explain', { modelPath, imagePath: image('circle-2.png'), method: 'gradcam' });
    const stats = await c.request('stats', {});
    assert.equal(stats.modelLoads, 1, 'the second job reused the loaded model');
  } finally {
    c.dispose();
  }
});

test('cancel makes the worker idle within about a second, with no tensor left behind', async () => {
  const c = client();
  try {
    await c.request('explain', { modelPath, imagePath: image('cross-1.png'), method: 'gradcam' });
    const before = await c.request('stats', {});
    const controller = new AbortController();
    let cancelledAt = 0;
    const job = c.request(
      'explain',
      { modelPath, imagePath: image('cross-1.png'), method: 'occlusion', params: { window: 2, stride: 1, batchSize: 8 } },
      {
        signal: controller.signal,
        onProgress: () => {
          if (!cancelledAt) {
            cancelledAt = Date.now();
            controller.abort();
          }
        },
      },
    );
    await assert.rejects(job, { name: 'AbortError' });
    const stopped = Date.now() - cancelledAt;
    assert.ok(stopped < 1000, `stopped ${stopped} ms after cancel`);
    const after = await c.request('stats', {});
    assert.equal(after.busy, false);
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(c.restarts, 0, 'the job stopped between batches: no restart needed');
    assert.equal(after.modelLoads, 1);
  } finally {
    c.dispose();
  }
});

test('a cancel on a MobileNetV2 224×224 occlusion (random weights; window 8, stride 4: 3,025 passes) returns within 1 s, in the same worker thread, with no restart', async () => {
  await tf.setBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-mnv2-'));
  const net = mobileNetV2Layers(224);
  const mobile = await saveLayersModel(net, dir);
  net.dispose();
  const c = client();
  try {
    await c.request('summary', { modelPath: mobile });
    const before = await c.request('stats', {});
    const controller = new AbortController();
    const progress: number[] = [];
    let cancelledAt = 0;
    const started = Date.now();
    const job = c.request(
      'explain',
      { modelPath: mobile, imagePath: image('cross-1.png'), method: 'occlusion', params: { window: 8, stride: 4 } },
      {
        signal: controller.signal,
        onProgress: (done) => {
          progress.push(Date.now() - started);
          // Cancel once a few batches have run (the batches have grown to their timed size).
          if (progress.length === 4 && !cancelledAt) {
            cancelledAt = Date.now();
            controller.abort();
          }
          void done;
        },
      },
    );
    await assert.rejects(job, { name: 'AbortError' });
    const stopped = Date.now() - cancelledAt;
    assert.ok(cancelledAt > 0, 'progress arrived');
    assert.ok(stopped < 1000, `stopped ${stopped} ms after the cancel`);
    // Progress kept coming: batches are sized by time (about 500 ms), not only by memory.
    const gaps = progress.slice(1).map((t, i) => t - progress[i]);
    assert.ok(Math.max(...gaps) < 1500, `progress every ${JSON.stringify(gaps)} ms`);
    const after = await c.request('stats', {});
    assert.equal(c.restarts, 0, 'a normal cancel does not restart the worker');
    assert.equal(after.threadId, before.threadId, 'the same worker thread');
    assert.equal(after.busy, false);
    assert.equal(after.numTensors, before.numTensors, 'no tensor left behind');
    console.log(`MobileNetV2 occlusion: progress at ${JSON.stringify(progress)} ms, stopped ${stopped} ms after the cancel`);
  } finally {
    c.dispose();
  }
});

test("Export PNG is the CLI's --out: the same bytes at the default size (512 for a 64×64 image) and with --colorbar", async () => {
  const { cli } = await import('../helpers/cli');
  const c = client();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-export-'));
  try {
    const r = await c.request('explain', { modelPath, imagePath: image('square-2.png'), method: 'gradcam' });
    for (const colorbar of [false, true]) {
      const png = await c.request('exportPng', {
        modelPath,
        imagePath: image('square-2.png'),
        map: r.image,
        signed: r.signed,
        colormap: 'turbo',
        opacity: 0.5,
        colorbar,
      });
      const out = path.join(dir, `cli-${colorbar}.png`);
      const run = await cli('explain', modelPath, image('square-2.png'), '--out', out, '--backend', 'wasm', ...(colorbar ? ['--colorbar'] : []));
      assert.equal(run.code, 0, run.err);
      assert.ok(Buffer.from(png).equals(fs.readFileSync(out)), `colour bar ${colorbar}: the same PNG bytes`);
      const { PNG } = await import('pngjs');
      const decoded = PNG.sync.read(Buffer.from(png));
      assert.equal(decoded.width, 512, 'a 64×64 image is exported at 512');
      assert.equal(decoded.height > 512, colorbar, 'the colour bar adds rows under the picture');
    }
  } finally {
    c.dispose();
  }
});

test('if the worker dies the running job fails with a clear message, and the next job works', async () => {
  const c = client();
  try {
    await c.request('summary', { modelPath });
    const job = c.request('explain', { modelPath, imagePath: image('square-3.png'), method: 'smoothgrad', params: { samples: 400, batchSize: 2 } });
    setTimeout(() => void (c as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate(), 200);
    await assert.rejects(job, (err: Error) => {
      assert.equal(err.name, 'WorkerDied');
      assert.match(err.message, /^The Model Lens worker stopped unexpectedly \(it exited with code 1\); it restarts for the next job\.$/);
      return true;
    });
    const r = await c.request('explain', { modelPath, imagePath: image('square-3.png'), method: 'gradcam' });
    assert.equal(r.top[0].label, 'square');
    assert.equal(c.restarts, 1);
  } finally {
    c.dispose();
  }
});

test('a job that exceeds its timeout fails and the worker restarts', async () => {
  const c = client();
  try {
    await assert.rejects(
      c.request('explain', { modelPath, imagePath: image('circle-3.png'), method: 'smoothgrad', params: { samples: 2000 } }, { timeoutMs: 300 }),
      { name: 'TimeoutError', message: 'The job took longer than 300 ms and was stopped.' },
    );
    const s = await c.request('summary', { modelPath });
    assert.equal(s.format, 'tfjs-layers');
  } finally {
    c.dispose();
  }
});

test('bad input in a job is an error reply, and the worker stays up', async () => {
  const c = client();
  try {
    await assert.rejects(c.request('summary', { modelPath: path.join(repo, 'nope', 'model.json') }), {
      name: 'InputError',
      message: `${path.join(repo, 'nope', 'model.json')}: file not found`,
    });
    await assert.rejects(c.request('explain', { modelPath, imagePath: image('circle-1.png'), method: 'gradcam', layers: ['nope'] }), {
      message: `Layer "nope" does not exist in ${modelPath}.`,
    });
    assert.equal(c.restarts, 0);
  } finally {
    c.dispose();
  }
});

test("the layer strip streams Grad-CAM at every 4-D layer in order, each equal to that layer's explain result", async () => {
  const c = client();
  try {
    const s = await c.request('summary', { modelPath });
    const partials: LayerPreviewMessage[] = [];
    const job = { modelPath, imagePath: image('square-1.png'), method: 'gradcam' as const };
    const before = await c.request('stats', {});
    const n = await c.request('layerPreview', job, { onPartial: (p) => partials.push(p) });
    assert.equal((await c.request('stats', {})).numTensors, before.numTensors, 'no tensor left behind');
    assert.equal(n, s.camLayers.length);
    assert.deepEqual(
      partials.map((p) => p.layer),
      s.camLayers,
    );
    assert.deepEqual(
      partials.map((p) => [p.index, p.total]),
      s.camLayers.map((_, i) => [i, s.camLayers.length]),
    );
    for (const layer of [s.camLayers[0], s.camLayers[s.camLayers.length - 1]]) {
      const r = await c.request('explain', { ...job, layers: [layer] });
      const p = partials.find((q) => q.layer === layer)!;
      assert.deepEqual([p.grid.width, p.grid.height], [r.grid.width, r.grid.height]);
      // The strip scales each map to [0, 1] between its minimum and maximum, as the display does.
      const lo = Math.min(...r.grid.values);
      const hi = Math.max(...r.grid.values);
      assert.ok(hi > lo, `${layer}: a flat map proves nothing`);
      let worst = 0;
      for (let i = 0; i < r.grid.values.length; i++) worst = Math.max(worst, Math.abs(p.grid.values[i] - (r.grid.values[i] - lo) / (hi - lo)));
      assert.ok(worst < 1e-5, `${layer}: largest difference ${worst}`);
    }
  } finally {
    c.dispose();
  }
});

test('a pair job streams partial maps of both views, answers with both, and leaves no tensor behind', async () => {
  const c = client();
  try {
    const encoder = path.join(repo, 'demo', 'models', 'encoder', 'model.json');
    await c.request('summary', { modelPath: encoder });
    const before = await c.request('stats', {});
    const partials: PairPartialMessage[] = [];
    const r = await c.request(
      'pair',
      {
        modelPath: encoder,
        imageA: image('circle-2.png'),
        augment: 'flip,jitter=0.3',
        method: 'conditional',
        params: { window: 8, stride: 2, batchSize: 16 },
      },
      { onPartial: (p) => partials.push(p) },
    );
    assert.ok(partials.some((p) => p.view === 'a') && partials.some((p) => p.view === 'b'), 'partial maps of both views');
    assert.ok(partials[0].grid.values instanceof Float32Array);
    assert.deepEqual([r.a.grid.width, r.a.grid.height, r.b.grid.width], [29, 29, 29]);
    assert.deepEqual([r.a.picture.width, r.b.picture.width, r.inputSize.width], [64, 64, 64]);
    assert.equal(r.params.augment, 'flip,jitter=0.3');
    assert.equal((await c.request('stats', {})).numTensors, before.numTensors);
    // A probe: the same job with a patch of view a occluded changes view b's map.
    const probed = await c.request('pair', {
      modelPath: encoder,
      imageA: image('circle-2.png'),
      augment: 'flip,jitter=0.3',
      method: 'conditional',
      params: { window: 8, stride: 2 },
      occlude: { view: 'a', top: 20, left: 20 },
    });
    assert.notDeepEqual(Array.from(probed.b.grid.values), Array.from(r.b.grid.values));
  } finally {
    c.dispose();
  }
});

test('a WebAssembly trap fails its job in one line, and the next job runs on a fresh engine in the same worker', async () => {
  const trapImage = path.join(os.tmpdir(), `ml-trap-${process.pid}.png`);
  fs.copyFileSync(image('circle-2.png'), trapImage);
  process.env.MODEL_LENS_INJECT_TRAP = path.basename(trapImage);
  const c = client();
  try {
    await c.request('explain', { modelPath, imagePath: image('circle-2.png'), method: 'gradcam' });
    await assert.rejects(c.request('explain', { modelPath, imagePath: trapImage, method: 'gradcam' }), {
      name: 'EngineTrap',
      message: 'The computation failed inside WebAssembly (memory access out of bounds); the engine was restarted.',
    });
    const r = await c.request('explain', { modelPath, imagePath: image('triangle-2.png'), method: 'gradcam' });
    assert.equal(r.top[0].label, 'triangle');
    const stats = await c.request('stats', {});
    assert.equal(stats.modelLoads, 2, 'the model was read again into the new engine');
    assert.equal(stats.backend, 'wasm');
  } finally {
    delete process.env.MODEL_LENS_INJECT_TRAP;
    c.dispose();
  }
});

test('the modelLens.limits settings reach the worker: an image over maxPixels is refused with the way to raise it', async () => {
  const c = new WorkerClient(workerFile, {
    timeoutMs: 120_000,
    cancelGraceMs: 1500,
    configure: { backend: 'wasm', limits: { maxPixels: 1000 } },
  });
  try {
    await assert.rejects(c.request('explain', { modelPath, imagePath: image('circle-2.png'), method: 'gradcam' }), {
      name: 'InputError',
      message: `${image('circle-2.png')}: image too large (64×64; at most 0.001 megapixels; raise the limit with --max-pixels or the modelLens.limits.maxPixels setting)`,
    });
  } finally {
    c.dispose();
  }
});
