// npm run demo — explains the demo test images with several methods and writes the overlays plus
// an HTML page under demo/out/, then prints where.
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as path from 'node:path';
import { initEngine, type BackendName } from '../../src/core/engine/backend';
import { methodSpec, type MethodName } from '../../src/core/explain/specs';
import { DEFAULT_COLORMAP, SIGNED_COLORMAP } from '../../src/core/image/specs';
import { WorkerPool } from '../../src/pool/pool';
import type { BackendChoice } from '../../src/protocol/worker';
import { readImage } from '../../src/core/image/decode';
import { blend, colorize, encodePng } from '../../src/core/image/overlay';
import { loadModel } from '../../src/core/model/load';
import { renderPairOverlay } from '../../src/cli/pair-command';
import { explainPair } from '../../src/core/explain/pair/explain-pair';
import { PAIR_METHODS, type PairMethodName } from '../../src/core/explain/pair/types';
import { demoEncoder, demoImages, type DemoImage } from './lib/demo-files';
import { demoViews, EVAL_SETTINGS, pairOptions } from './lib/evaluate-pair';
import { evaluateDemo } from './lib/evaluate';

const METHODS: MethodName[] = ['gradcam', 'gradcam++', 'scorecam', 'layercam', 'eigencam', 'guided-gradcam', 'smoothgrad', 'ig', 'occlusion'];

const PAIR_DEMO_METHODS: PairMethodName[] = [...PAIR_METHODS];

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

async function main(): Promise<void> {
  const started = Date.now();
  const backend = await initEngine();
  const { dir, model: modelPath, images } = demoImages();
  const model = await loadModel(modelPath);
  const out = path.join(dir, 'out');
  fs.rmSync(out, { recursive: true, force: true });
  for (const m of METHODS) fs.mkdirSync(path.join(out, m), { recursive: true });
  // The single-image methods run on a pool of one worker per core (src/pool/), image × method as jobs;
  // the self-supervised pairs on as many threads of their own meanwhile (every core busy till the end).
  const cores = availableParallelism();
  const pool = new WorkerPool(path.join(__dirname, '..', 'worker.js'), cores, { configure: { backend: backend as BackendChoice } });
  const jobs = images.flatMap((img) => METHODS.map((method) => ({ img, method })));
  const explained = pool
    .map(jobs, 'explainFile', ({ img, method }) => ({
      job: { modelPath, method, target: 'top' as const, params: { window: 8, stride: 4 }, preprocess: [], opacity: 0.5, colorbar: false, topK: 1, files: true },
      file: path.join(dir, 'images', img.file),
    }))
    .finally(() => {
      pool.dispose();
      timings.single = Date.now() - started;
    });
  const timings: Record<string, number> = {};
  const pairs = explainPairs(out, images, backend, cores).finally(() => (timings.pairs = Date.now() - started));
  const results = await explained;
  const rows: string[] = [];
  for (const [i, img] of images.entries()) {
    const image = await readImage(path.join(dir, 'images', img.file));
    const cells = [`<td><img src="../images/${escape(img.file)}" alt="${escape(img.file)}"><br>${escape(img.file)}</td>`];
    let predicted = '';
    for (const [k, method] of METHODS.entries()) {
      const r = results[i * METHODS.length + k];
      const top = (r.record.top as { label: string | null; index: number; probability: number }[])[0];
      predicted = `${top.label ?? top.index} ${(100 * top.probability).toFixed(0)}%`;
      const map = Float32Array.from((JSON.parse(r.mapJson!) as { image: { values: number[] } }).image.values);
      const signed = methodSpec(method).signed;
      const png = encodePng(blend(image, colorize(map, image.width, image.height, signed ? SIGNED_COLORMAP : DEFAULT_COLORMAP, signed), 0.5));
      fs.writeFileSync(path.join(out, method, img.file), png);
      cells.push(`<td><img src="${method}/${escape(img.file)}" alt="${method}"></td>`);
    }
    rows.push(
      `<tr><th>${escape(img.class)}${img.watermark ? '<br><small>watermarked</small>' : ''}<br><small>predicted: ${escape(predicted)}</small></th>${cells.join('')}</tr>`,
    );
  }
  const { pairRows, clean } = await pairs;
  const evaluation = await evaluateDemo('gradcam');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Model Lens demo</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;background:#1e1e1e;color:#ddd}table{border-collapse:collapse}td,th{padding:4px;text-align:center;font-size:12px;border-bottom:1px solid #333}img{width:96px;height:96px;image-rendering:pixelated}img.pair{width:192px}th{font-weight:normal}</style></head>
<body><h1>Model Lens — demo explanations</h1>
<p>Model: <code>demo/models/shapes/model.json</code> (${model.totalParams.toLocaleString('en-US')} parameters), backend ${backend}.
Grad-CAM pointing game on images without the watermark: <b>${(100 * evaluation.pointingGame).toFixed(1)}%</b> (centre baseline ${(100 * evaluation.centreBaseline).toFixed(1)}%);
watermarked "square" images whose map peaks on the watermark: <b>${(100 * evaluation.onWatermark).toFixed(1)}%</b>.</p>
<table><tr><th>class</th><th>image</th>${METHODS.map((m) => `<th>${m}</th>`).join('')}</tr>
${rows.join('\n')}
</table>
<h2>Self-supervised encoder — what drives the similarity of two views</h2>
<p>Encoder: <code>demo/models/encoder/model.json</code> (NT-Xent). Views: colour jitter | flip + colour jitter (<code>npm run eval:pair</code> scores every method).</p>
<table><tr><th>image</th>${PAIR_DEMO_METHODS.map((m) => `<th>${m}<br><small>view A | view B</small></th>`).join('')}</tr>
${pairRows.join('\n')}
</table></body></html>
`;
  fs.writeFileSync(path.join(out, 'index.html'), html);
  console.log(
    `explained ${images.length} demo images with ${METHODS.length} methods on ${backend} (${cores} workers) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(
    `Grad-CAM pointing game ${(100 * evaluation.pointingGame).toFixed(1)}% (centre baseline ${(100 * evaluation.centreBaseline).toFixed(1)}%), watermark hits ${(100 * evaluation.onWatermark).toFixed(1)}%`,
  );
  console.log(`pair maps of ${clean.length} images with ${PAIR_DEMO_METHODS.length} methods in ${path.join(out, 'pair')}`);
  console.log(
    `(single-image methods done after ${(timings.single / 1000).toFixed(1)} s on ${cores} workers, the pairs after ${(timings.pairs / 1000).toFixed(1)} s on ${cores} threads)`,
  );
  console.log(`open ${path.join(out, 'index.html')}`);
}

/** The self-supervised encoder: pair maps of two augmented views of the first clean images. */
/** The clean images whose pairs the demo explains: the first eight. */
const pairImages = (images: DemoImage[]) => images.filter((i) => !i.watermark).slice(0, 8);

/**
 * The self-supervised encoder's pair maps of two augmented views of the pair images, shared out by
 * image over `threads` worker threads (this file again, as a worker); the table's rows in image order.
 */
async function explainPairs(out: string, images: DemoImage[], backend: string, threads: number): Promise<{ pairRows: string[]; clean: DemoImage[] }> {
  const clean = pairImages(images);
  for (const method of PAIR_DEMO_METHODS) fs.mkdirSync(path.join(out, 'pair', method), { recursive: true });
  const shares = await Promise.all(
    Array.from(
      { length: threads },
      (_, k) =>
        new Promise<[number, string][]>((resolve, reject) => {
          const worker = new Worker(__filename, { workerData: { out, images, backend, indices: clean.map((_, i) => i).filter((i) => i % threads === k) } });
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`a pair worker exited with code ${code}`))));
        }),
    ),
  );
  const pairRows = shares
    .flat()
    .sort((x, y) => x[0] - y[0])
    .map(([, row]) => row);
  return { pairRows, clean };
}

/** A pair worker: the rows of its images. */
async function pairWorker(o: { out: string; images: DemoImage[]; backend: string; indices: number[] }): Promise<[number, string][]> {
  await initEngine({ backend: o.backend as BackendName });
  const encoder = await loadModel(demoEncoder());
  const clean = pairImages(o.images);
  const rows: [number, string][] = [];
  for (const i of o.indices) {
    const img = clean[i];
    const v = await demoViews(img, i);
    const cells: string[] = [];
    for (const method of PAIR_DEMO_METHODS) {
      // The settings `npm run eval:pair` scores (occlusion windows that fit the 64-px objects).
      const r = await explainPair(encoder, v.a, v.b, pairOptions(method, EVAL_SETTINGS[method]));
      fs.writeFileSync(path.join(o.out, 'pair', method, img.file), renderPairOverlay([v.a, v.b], r, undefined, 0.5));
      cells.push(`<td><img class="pair" src="pair/${method}/${escape(img.file)}" alt="${method}"><br><small>sim ${r.base.toFixed(3)}</small></td>`);
    }
    rows.push([i, `<tr><th>${escape(img.file)}</th>${cells.join('')}</tr>`]);
  }
  return rows;
}

if (!isMainThread) void pairWorker(workerData).then((rows) => parentPort!.postMessage(rows));
else
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
