// npm run demo — explains the demo test images with several methods and writes the overlays plus
// an HTML page under demo/out/, then prints where.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine } from '../../src/core/engine/backend';
import { explainImage } from '../../src/core/explain/explain-image';
import type { MethodName } from '../../src/core/explain/types';
import { readImage } from '../../src/core/image/decode';
import { blend, colorize, encodePng } from '../../src/core/image/overlay';
import { loadModel } from '../../src/core/model/load';
import { resolveModelSettings } from '../../src/core/model/model-config';
import { renderPairOverlay } from '../../src/cli/pair-command';
import { explainPair } from '../../src/core/explain/pair/explain-pair';
import { PAIR_METHODS, type PairMethodName } from '../../src/core/explain/pair/types';
import { demoEncoder, demoImages } from './lib/demo-files';
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
  const settings = resolveModelSettings(model.path);
  const out = path.join(dir, 'out');
  fs.rmSync(out, { recursive: true, force: true });
  for (const m of METHODS) fs.mkdirSync(path.join(out, m), { recursive: true });
  const rows: string[] = [];
  for (const img of images) {
    const src = path.join(dir, 'images', img.file);
    const image = await readImage(src);
    const cells = [`<td><img src="../images/${escape(img.file)}" alt="${escape(img.file)}"><br>${escape(img.file)}</td>`];
    let predicted = '';
    for (const method of METHODS) {
      const r = await explainImage(model, image, { method, preprocess: settings.preprocess, labels: settings.labels, params: { window: 8, stride: 4 } });
      predicted = `${r.top[0].label ?? r.top[0].index} ${(100 * r.top[0].score).toFixed(0)}%`;
      const png = encodePng(blend(image, colorize(r.image.values, image.width, image.height, r.signed ? 'diverging' : 'turbo', r.signed), 0.5));
      fs.writeFileSync(path.join(out, method, img.file), png);
      cells.push(`<td><img src="${method}/${escape(img.file)}" alt="${method}"></td>`);
    }
    rows.push(
      `<tr><th>${escape(img.class)}${img.watermark ? '<br><small>watermarked</small>' : ''}<br><small>predicted: ${escape(predicted)}</small></th>${cells.join('')}</tr>`,
    );
  }
  // The self-supervised encoder: pair maps of two augmented views of the first clean images.
  const encoder = await loadModel(demoEncoder());
  const pairRows: string[] = [];
  const clean = images.filter((i) => !i.watermark).slice(0, 8);
  for (const method of PAIR_DEMO_METHODS) fs.mkdirSync(path.join(out, 'pair', method), { recursive: true });
  for (const [i, img] of clean.entries()) {
    const v = await demoViews(img, i);
    const cells: string[] = [];
    for (const method of PAIR_DEMO_METHODS) {
      // The settings `npm run eval:pair` scores (occlusion windows that fit the 64-px objects).
      const r = await explainPair(encoder, v.a, v.b, pairOptions(method, EVAL_SETTINGS[method]));
      fs.writeFileSync(path.join(out, 'pair', method, img.file), renderPairOverlay([v.a, v.b], r, undefined, 0.5));
      cells.push(`<td><img class="pair" src="pair/${method}/${escape(img.file)}" alt="${method}"><br><small>sim ${r.base.toFixed(3)}</small></td>`);
    }
    pairRows.push(`<tr><th>${escape(img.file)}</th>${cells.join('')}</tr>`);
  }
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
  console.log(`explained ${images.length} demo images with ${METHODS.length} methods on ${backend} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `Grad-CAM pointing game ${(100 * evaluation.pointingGame).toFixed(1)}% (centre baseline ${(100 * evaluation.centreBaseline).toFixed(1)}%), watermark hits ${(100 * evaluation.onWatermark).toFixed(1)}%`,
  );
  console.log(`pair maps of ${clean.length} images with ${PAIR_DEMO_METHODS.length} methods in ${path.join(out, 'pair')}`);
  console.log(`open ${path.join(out, 'index.html')}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
