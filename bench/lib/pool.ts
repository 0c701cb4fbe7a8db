// npm run bench -- --pool: one worker against a pool of one worker per core, on a MobileNetV2-shaped
// model (random weights, 224×224) saved as a TF.js layers model, in the same run, interleaved
// (A B, then B A, …), medians with min–max: occlusion, Score-CAM and IG-50 on one image shared out
// over the pool (src/pool/split.ts), and Grad-CAM over a folder of images split by image.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { FileJob } from '../../src/core/explain/file-job';
import { DEFAULT_METHOD, methodSpec, type MethodName } from '../../src/core/explain/specs';
import { mulberry32 } from '../../src/core/explain/random';
import { saveLayersModel } from '../../src/core/model/save';
import { initEngine } from '../../src/core/engine/backend';
import { WorkerPool } from '../../src/pool/pool';
import { splitRun } from '../../src/pool/split';
import { interleaved } from './median';
import { Peer, PYTHON } from './peer-process';
import { mobileNetV2Layers } from './mobilenet-v2';

const SIZE = 224;

/** Smooth random images (a bright disc on dark noise), `count` PNGs in `dir`. */
export function writeBenchImages(dir: string, count: number, seed = 7): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const rand = mulberry32(seed);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const png = new PNG({ width: SIZE, height: SIZE });
    const [cx, cy, r] = [rand() * SIZE, rand() * SIZE, 20 + rand() * 40];
    for (let p = 0; p < SIZE * SIZE; p++) {
      const inside = ((p % SIZE) - cx) ** 2 + (Math.floor(p / SIZE) - cy) ** 2 < r * r;
      for (let c = 0; c < 3; c++) png.data[p * 4 + c] = inside ? 220 : Math.floor(rand() * 80);
      png.data[p * 4 + 3] = 255;
    }
    const file = path.join(dir, `${String(i).padStart(3, '0')}.png`);
    fs.writeFileSync(file, PNG.sync.write(png));
    files.push(file);
  }
  return files;
}

/** The MobileNetV2-shaped model as files, for workers to load. */
export async function saveBenchModel(dir: string): Promise<string> {
  await initEngine({ backend: 'wasm' });
  const model = mobileNetV2Layers(SIZE);
  const file = await saveLayersModel(model, dir);
  model.dispose();
  return file;
}

export const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

const fmt = (xs: number[], unit = 's', scale = 1000) => {
  const { median, min, max } = stats(xs);
  const f = (v: number) => (v / scale).toFixed(scale === 1 ? 1 : 2);
  return `${f(median)} ${unit} (${f(min)}–${f(max)})`;
};

/** The load of the machine, as `uptime` gives it. */
export const loadLine = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${os.availableParallelism()} cores`;

export async function poolBench(quick: boolean): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-bench-'));
  const cores = os.availableParallelism();
  const workerFile = path.join(__dirname, '..', 'worker.js');
  const modelPath = await saveBenchModel(path.join(workDir, 'model'));
  const [image] = writeBenchImages(path.join(workDir, 'one'), 1, 3);
  const rounds = quick ? 2 : 5;
  console.log(
    `\npool of ${cores} workers against one worker: MobileNetV2-shaped (random weights, ${SIZE}×${SIZE}) on wasm, ${rounds} rounds interleaved; ${loadLine()}`,
  );
  const one = new WorkerPool(workerFile, 1, { configure: { backend: 'wasm' } });
  const pool = new WorkerPool(workerFile, cores, { configure: { backend: 'wasm' } });
  const job = (method: MethodName, params: FileJob['params'] = {}, layers?: string[]): FileJob => ({
    modelPath,
    method,
    layers,
    target: 0,
    params,
    preprocess: [],
    opacity: 0.5,
    colorbar: false,
    topK: 1,
    files: false,
  });
  try {
    // Warm-up: every worker loads the model and compiles its kernels.
    const warm = job(DEFAULT_METHOD);
    await one.clients[0].request('explainFile', { job: warm, file: image });
    await Promise.all(pool.clients.map((c) => c.request('explainFile', { job: warm, file: image })));
    const cases: [string, FileJob][] = [
      ['occlusion (window 32, stride 16: 169 windows)', job(methodOf('occlusion'), { window: 32, stride: 16 })],
      ['Score-CAM at block_16_project_BN (320 channels)', job(methodOf('scorecam'), {}, ['block_16_project_BN'])],
      ['Integrated Gradients (50 steps)', job(methodOf('ig'), { steps: 50 })],
    ];
    console.log(`  ${'one image'.padEnd(46)} ${'one worker'.padStart(22)} ${`${cores} workers`.padStart(22)}   speed-up`);
    for (const [name, j] of cases) {
      const timed = async (f: () => Promise<unknown>) => {
        const t = performance.now();
        await f();
        return performance.now() - t;
      };
      // One untimed run each first: the kernels for this method's batch shapes are set up in every worker.
      await one.clients[0].request('explainFile', { job: j, file: image });
      await splitRun(pool, 'explainFile', { job: j, file: image });
      const [a, b] = await interleaved(
        rounds,
        () => timed(() => one.clients[0].request('explainFile', { job: j, file: image })),
        () => timed(() => splitRun(pool, 'explainFile', { job: j, file: image })),
      );
      console.log(`  ${name.padEnd(46)} ${fmt(a).padStart(22)} ${fmt(b).padStart(22)}   ${(stats(a).median / stats(b).median).toFixed(2)}×`);
    }
    // A folder: Grad-CAM over 200 images (decode, predict, Grad-CAM, no files written), split by image.
    const count = quick ? 60 : 200;
    const folder = writeBenchImages(path.join(workDir, 'folder'), count);
    const folderRounds = quick ? 1 : 3;
    const rate = (p: WorkerPool) => async () => {
      const t = performance.now();
      await p.map(folder, 'explainFile', (file) => ({ job: warm, file }));
      return (count * 1000) / (performance.now() - t);
    };
    const [oneRate, poolRate] = await interleaved(folderRounds, rate(one), rate(pool));
    const perSecond = { one: oneRate, pool: poolRate };
    console.log(
      `  Grad-CAM over a folder of ${count} images: one worker ${fmt(perSecond.one, 'images/s', 1)}, ${cores} workers ${fmt(perSecond.pool, 'images/s', 1)}: ${(stats(perSecond.pool).median / stats(perSecond.one).median).toFixed(2)}×`,
    );
    // The same images in PyTorch on the CPU with every thread (scripts/peer-bench.py: torchvision's
    // MobileNetV2, random weights, Grad-CAM), interleaved with the pool: where python3-torch is installed.
    if (fs.existsSync(PYTHON)) {
      const peer = new Peer();
      try {
        await peer.ask({ op: 'hello' });
        const peerRate = async () => (count * 1000) / (await peer.ask({ op: 'folder', threads: cores, files: folder })).ms;
        const [poolAgain, torch] = await interleaved(folderRounds, rate(pool), peerRate);
        console.log(
          `  the same images, PyTorch CPU with ${cores} threads (torchvision MobileNetV2, Grad-CAM): ${fmt(torch, 'images/s', 1)}; ${cores} workers ${fmt(poolAgain, 'images/s', 1)}: ${(stats(poolAgain).median / stats(torch).median).toFixed(2)}×`,
        );
      } catch (e) {
        console.log(`  PyTorch skipped: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        peer.close();
      }
    } else console.log(`  PyTorch skipped: ${PYTHON} is missing`);
    // Peak memory: each worker's wasm memory (it grows to the job's high-water mark and never shrinks) and JS heap.
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
    const peak = async (p: WorkerPool) => {
      const s = await Promise.all(p.clients.map((c) => c.request('stats', {})));
      const each = s.map((x) => x.wasmBytes + x.heapBytes);
      return `${each.map(mb).join(' + ')}${each.length > 1 ? ` = ${mb(each.reduce((a, b) => a + b, 0))}` : ''}`;
    };
    console.log(
      `  peak memory per worker (wasm memory + JS heap): one worker ${await peak(one)}; ${cores} workers ${await peak(pool)}; the process's RSS now ${mb(process.memoryUsage().rss)}`,
    );
    console.log(`  after: ${loadLine()}`);
  } finally {
    one.dispose();
    pool.dispose();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** A method's name, checked against the registry. */
function methodOf(name: string): MethodName {
  if (!methodSpec(name as MethodName)) throw new Error(`no method ${name}`);
  return name as MethodName;
}
