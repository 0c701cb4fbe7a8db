import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import * as CRC32 from 'crc-32';
import { PNG } from 'pngjs';
import { METHODS } from '../../src/core/explain/specs';
import { cli } from '../helpers/cli';
import { initEngine } from '../../src/core/engine/backend';
import { saveLayersModel } from '../../src/core/model/save';

const repo = path.resolve(__dirname, '..', '..');
const demoModel = path.join(repo, 'demo', 'models', 'shapes', 'model.json');
const demoImages = path.join(repo, 'demo', 'images');
const boxes = JSON.parse(fs.readFileSync(path.join(demoImages, 'boxes.json'), 'utf8')) as { file: string; label: number; class: string }[];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-cli-'));

test.before(async () => {
  await initEngine({ backend: 'wasm' });
});

test('summary --json lists inputs, outputs, layers and parameters of the demo model', async () => {
  const r = await cli('summary', demoModel, '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.inputs[0].shape, [null, 64, 64, 3]);
  assert.deepEqual(s.outputs[0].shape, [null, 4]);
  assert.equal(s.outputs[0].softmax, true);
  assert.equal(s.layers.find((l: { name: string }) => l.name === 'last_conv').outputShape.join(','), ',16,16,64');
  assert.equal(
    s.totalParams,
    s.layers.reduce((a: number, l: { params: number }) => a + l.params, 0),
  );
});

test('explain --json has the documented shape and explains the right class', async () => {
  const img = boxes.find((b) => b.file === 'circle-1.png')!;
  const r = await cli('explain', demoModel, path.join(demoImages, img.file), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).sort(), ['backend', 'layer', 'method', 'notes', 'params', 'scoreKind', 'target', 'timeMs', 'top']);
  assert.deepEqual(j.notes, [], 'a 64×64 colour picture for a 64×64 colour model: nothing to note');
  assert.deepEqual(j.params.preprocessSources, {
    scale: 'default',
    mean: 'default',
    std: 'default',
    channelOrder: 'default',
    resize: 'default',
    color: 'default',
    invert: 'default',
  });
  // --invert and --color gray: recorded, with their source, and noted.
  const inv = JSON.parse((await cli('explain', demoModel, path.join(demoImages, img.file), '--json', '--invert', '--color', 'gray')).out);
  assert.equal(inv.params.preprocess.invert, true);
  assert.equal(inv.params.preprocess.color, 'gray');
  assert.equal(inv.params.preprocessSources.invert, 'flag');
  assert.deepEqual(inv.notes, ['The image was converted to gray (color: gray).', 'The image was inverted (255 − value) before scaling.']);
  assert.equal(j.scoreKind, 'probability', 'the demo ends in a softmax');
  assert.deepEqual(Object.keys(j.top[0]).sort(), ['index', 'label', 'probability', 'score']);
  for (const p of j.top) assert.equal(p.probability, p.score, 'a probability is its own score');
  // The text line says so: a percentage of a probability.
  const text = await cli('explain', demoModel, path.join(demoImages, img.file));
  assert.match(text.out, new RegExp(`: circle \\(${(100 * j.top[0].probability).toFixed(1)} %\\), gradcam at last_conv_relu`));
  assert.equal(j.backend, 'wasm');
  assert.equal(j.method, 'gradcam');
  assert.equal(j.layer, 'last_conv_relu', 'the default layer is the last one with a 4-D output');
  assert.equal(j.top[0].label, 'circle');
  assert.equal(j.target, j.top[0].index);
  assert.ok(Math.abs(j.top.reduce((a: number, p: { score: number }) => a + p.score, 0) - 1) < 1e-4, 'probabilities of a softmax model');
  assert.equal(j.params.modelSha256, createHash('sha256').update(fs.readFileSync(demoModel)).digest('hex'));
  assert.deepEqual(j.params.preprocess, { scale: '0..1', channelOrder: 'rgb', resize: 'stretch' });
  assert.equal(j.params.batchSize > 0, true);
});

test('--heatmap-out: grid at the layer, input or window resolution; image at the image size, display-scaled', async () => {
  const image = path.join(demoImages, 'square-1.png');
  const cases: [string[], number, number, boolean][] = [
    [['--method', 'gradcam'], 16, 16, false],
    [['--method', 'saliency'], 64, 64, false],
    [['--method', 'ig', '--steps', '8'], 64, 64, true],
    [['--method', 'occlusion', '--window', '8', '--stride', '4'], 15, 15, true],
    [['--method', 'gradcam', '--layer', 'conv2,last_conv'], 64, 64, false],
  ];
  for (const [args, w, h, signed] of cases) {
    const mapFile = path.join(tmp, 'map.json');
    const r = await cli('explain', demoModel, image, ...args, '--heatmap-out', mapFile);
    assert.equal(r.code, 0, r.err);
    const m = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
    assert.deepEqual([m.grid.width, m.grid.height, m.grid.values.length], [w, h, w * h], args.join(' '));
    assert.deepEqual([m.image.width, m.image.height, m.image.values.length], [64, 64, 64 * 64]);
    const lo = Math.min(...m.image.values);
    const hi = Math.max(...m.image.values);
    if (signed) assert.ok(lo >= -1 && hi <= 1 && (lo === -1 || hi === 1), `${args}: signed range ${lo}..${hi}`);
    else assert.ok(lo === 0 && hi === 1, `${args}: unsigned range ${lo}..${hi}`);
    if (!signed && args.includes('gradcam'))
      assert.ok(
        m.grid.values.every((v: number) => v >= 0),
        'CAM grid is after the ReLU',
      );
    assert.equal(m.params.method ?? m.method, m.method);
  }
});

test('--out writes an overlay PNG at the image size, at least 512 and at most --out-size; a folder gets overlays, maps and summary.csv', async () => {
  const png = path.join(tmp, 'overlay.png');
  const r = await cli('explain', demoModel, path.join(demoImages, 'cross-2.png'), '--out', png, '--colormap', 'viridis', '--opacity', '0.7');
  assert.equal(r.code, 0, r.err);
  const decoded = PNG.sync.read(fs.readFileSync(png));
  assert.deepEqual([decoded.width, decoded.height], [512, 512], 'a 64×64 image is exported at 512');
  const small = path.join(tmp, 'overlay-64.png');
  assert.equal((await cli('explain', demoModel, path.join(demoImages, 'cross-2.png'), '--out', small, '--out-size', '64')).code, 0);
  assert.deepEqual([PNG.sync.read(fs.readFileSync(small)).width, PNG.sync.read(fs.readFileSync(small)).height], [64, 64], '--out-size caps it');
  const barred = path.join(tmp, 'overlay-bar.png');
  assert.equal((await cli('explain', demoModel, path.join(demoImages, 'cross-2.png'), '--out', barred, '--out-size', '64', '--colorbar')).code, 0);
  const withBar = PNG.sync.read(fs.readFileSync(barred));
  // 64 wide: a gap of 4, a bar of 10 and ticks of 3 rows, a gap of 4: 21 rows more; the picture above is the same.
  assert.deepEqual([withBar.width, withBar.height], [64, 64 + 21]);
  assert.ok(Buffer.from(withBar.data.subarray(0, 64 * 64 * 4)).equals(Buffer.from(PNG.sync.read(fs.readFileSync(small)).data)));

  const folder = path.join(tmp, 'folder');
  fs.mkdirSync(folder);
  for (const f of ['circle-1.png', 'triangle-1.png', 'square-watermark-1.png']) fs.copyFileSync(path.join(demoImages, f), path.join(folder, f));
  const outDir = path.join(tmp, 'folder-out');
  const rf = await cli('explain', demoModel, folder, '--out', outDir, '--method', 'gradcam++');
  assert.equal(rf.code, 0, rf.err);
  const csv = fs.readFileSync(path.join(outDir, 'summary.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'image,top_class,top_label,score,method,time_ms,score_kind');
  assert.equal(csv.length, 4);
  assert.match(csv[1], /circle-1\.png,0,circle,0\.\d+,gradcam\+\+,\d+\.\d,probability$/);
  for (const f of ['circle-1', 'triangle-1', 'square-watermark-1']) {
    assert.ok(fs.existsSync(path.join(outDir, `${f}.overlay.png`)));
    assert.ok(fs.existsSync(path.join(outDir, `${f}.map.json`)));
  }
});

test('bad input: exit code 2 and one line on stderr naming the file and the problem', async () => {
  const mlpDir = path.join(tmp, 'mlp');
  const mlp = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [10], units: 2 })] });
  const mlpFile = await saveLayersModel(mlp, mlpDir);
  const textFile = path.join(tmp, 'notes.png');
  fs.writeFileSync(textFile, 'not an image');
  const image = path.join(demoImages, 'circle-1.png');
  const cases: [string[], string][] = [
    [['explain', demoModel, image, '--layer', 'conv9'], `model-lens: Layer "conv9" does not exist in ${demoModel}.`],
    [['explain', demoModel, image, '--target', '7'], 'model-lens: Target 7 is out of range: output "predictions" has 4 units (0..3).'],
    [['explain', mlpFile, image], `model-lens: ${mlpFile}: the model's input has shape [null, 10], not an image (expected [batch, height, width, 1 or 3])`],
    [['explain', demoModel, textFile], `model-lens: ${textFile}: not a PNG or JPEG image`],
    [['explain', demoModel, path.join(tmp, 'nope.png')], `model-lens: ${path.join(tmp, 'nope.png')}: file not found`],
    [['explain', demoModel, image, '--method', 'magic'], `model-lens: --method must be one of ${METHODS.join(', ')} (got "magic")`],
    [['explain', demoModel, image, '--steps', '0'], 'model-lens: --steps must be an integer ≥ 1 (got "0")'],
    [['explain', demoModel, image, '--bogus'], 'model-lens: unknown option --bogus (see model-lens --help)'],
    [['explain', demoModel, image, '--method'], 'model-lens: option --method needs a value'],
    [['summary', path.join(tmp, 'missing', 'model.json')], `model-lens: ${path.join(tmp, 'missing', 'model.json')}: file not found`],
  ];
  for (const [args, message] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code} ${r.err}`);
    assert.equal(r.err, message);
    assert.equal(r.err.split('\n').length, 1);
  }
});

test('the bundled command line: --json stdout is pure JSON, a forced backend that cannot load exits 2', () => {
  const bin = path.join(repo, 'bin', 'model-lens.js');
  if (!fs.existsSync(path.join(repo, 'dist', 'cli.js'))) assert.fail('dist/cli.js is missing: npm test builds it first');
  const ok = spawnSync(process.execPath, [bin, 'explain', demoModel, path.join(demoImages, 'triangle-1.png'), '--json', '--method', 'layercam'], {
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).top[0].label, 'triangle');
  const forced = spawnSync(process.execPath, [bin, 'summary', demoModel, '--backend', 'tensorflow'], { encoding: 'utf8' });
  assert.equal(forced.status, 2);
  assert.match(forced.stderr.trim(), /^model-lens: The tensorflow backend could not be loaded: Cannot find module '@tensorflow\/tfjs-node'/);
  const env = spawnSync(process.execPath, [bin, 'summary', demoModel], { encoding: 'utf8', env: { ...process.env, MODEL_LENS_BACKEND: 'tensorflow' } });
  assert.equal(env.status, 2);
});

test('a 12-megapixel photo is shrunk while decoding (wasm libvips in the bundle): overlay and map at the --out-size long side', async () => {
  const sharp = (await import('sharp')).default;
  const W = 4000;
  const H = 3000;
  const raw = Buffer.alloc(W * H * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + ((i / W) | 0)) & 255;
  const photo = path.join(tmp, 'photo.jpg');
  await sharp(raw, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 85 })
    .toFile(photo);
  const bin = path.join(repo, 'bin', 'model-lens.js');
  const out = path.join(tmp, 'photo.overlay.png');
  const map = path.join(tmp, 'photo.map.json');
  const r = spawnSync(process.execPath, [bin, 'explain', demoModel, photo, '--json', '--verbose', '--out', out, '--heatmap-out', map], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /images by libvips [\d.]+ \(wasm build\)/);
  const png = PNG.sync.read(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], [2048, 1536]);
  const json = JSON.parse(fs.readFileSync(map, 'utf8'));
  assert.deepEqual([json.image.width, json.image.height], [2048, 1536]);
  assert.equal(json.image.values.length, 2048 * 1536);
  // --out-size sets the long side; never below twice the model input (64 px here).
  const small = await cli('explain', demoModel, photo, '--out-size', '1000', '--heatmap-out', map);
  assert.equal(small.code, 0, small.err);
  assert.deepEqual(((j) => [j.image.width, j.image.height])(JSON.parse(fs.readFileSync(map, 'utf8'))), [1000, 750]);
  // A tiny --out-size: decoding stops at twice the input (171×128), the exported map is then fitted to 10 px.
  const tiny = await cli('explain', demoModel, photo, '--out-size', '10', '--heatmap-out', map, '--json');
  assert.equal(tiny.code, 0, tiny.err);
  assert.deepEqual(((j) => [j.image.width, j.image.height])(JSON.parse(fs.readFileSync(map, 'utf8'))), [10, Math.round((128 * 10) / 171)]);
});

test('a panorama that is not shrunk while decoding still gets an overlay and map within --out-size', async () => {
  const sharp = (await import('sharp')).default;
  const pano = path.join(tmp, 'pano.png');
  await sharp({ create: { width: 3000, height: 100, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .png()
    .toFile(pano);
  const out = path.join(tmp, 'pano.overlay.png');
  const map = path.join(tmp, 'pano.map.json');
  // 100 px is less than twice the model's 64: decoded at full size, so the output is fitted afterwards.
  const r = await cli('explain', demoModel, pano, '--out', out, '--heatmap-out', map);
  assert.equal(r.code, 0, r.err);
  const png = PNG.sync.read(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], [2048, 68]);
  const json = JSON.parse(fs.readFileSync(map, 'utf8'));
  assert.deepEqual([json.image.width, json.image.height, json.image.values.length], [2048, 68, 2048 * 68]);
});

test('images: a header that claims more than the data holds, --max-pixels, and special files get one line each', async () => {
  // A 100-byte PNG claiming 9999×9999: refused in one line, without decoding 100 megapixels.
  const png = Buffer.from(fs.readFileSync(path.join(demoImages, 'triangle-1.png')).subarray(0, 100));
  png.writeUInt32BE(9999, 16);
  png.writeUInt32BE(9999, 20);
  png.writeInt32BE(CRC32.buf(png.subarray(12, 29)), 29); // the IHDR checksum fixed, as a careful forger would
  const liar = path.join(tmp, 'liar.png');
  fs.writeFileSync(liar, png);
  const started = Date.now();
  const r = await cli('explain', demoModel, liar);
  assert.equal(r.code, 2);
  assert.equal(r.err, `model-lens: ${liar}: truncated or corrupt PNG (the pixel data ends early)`);
  assert.ok(Date.now() - started < 5000);
  const big = await cli('explain', demoModel, path.join(demoImages, 'triangle-1.png'), '--max-pixels', '1000');
  assert.equal(big.code, 2);
  assert.equal(
    big.err,
    `model-lens: ${path.join(demoImages, 'triangle-1.png')}: image too large (64×64; at most 0.001 megapixels; raise the limit with --max-pixels or the modelLens.limits.maxPixels setting)`,
  );
  const zero = path.join(tmp, 'zero.png');
  fs.symlinkSync('/dev/zero', zero);
  const dev = await cli('explain', demoModel, zero);
  assert.equal(dev.code, 2);
  assert.equal(dev.err, `model-lens: ${zero}: a device, not an image`);
  const bad = await cli('explain', demoModel, liar, '--max-pixels', 'lots');
  assert.equal(bad.err, 'model-lens: --max-pixels must be a whole number ≥ 1 (got "lots")');
});

test('a WebAssembly trap exits 1 in one line, and the next command in the same process runs on a fresh engine', async () => {
  const trapImage = path.join(tmp, 'trap-me.png');
  fs.copyFileSync(path.join(demoImages, 'circle-1.png'), trapImage);
  process.env.MODEL_LENS_INJECT_TRAP = 'trap-me.png';
  try {
    const r = await cli('explain', demoModel, trapImage, '--backend', 'wasm');
    assert.equal(r.code, 1);
    assert.equal(r.err, 'model-lens: the computation failed inside WebAssembly (memory access out of bounds); the engine was restarted');
    for (const [file, label] of [
      ['triangle-1.png', 'triangle'],
      ['cross-2.png', 'cross'],
    ]) {
      const ok = await cli('explain', demoModel, path.join(demoImages, file), '--json');
      assert.equal(ok.code, 0, ok.err);
      assert.equal(JSON.parse(ok.out).top[0].label, label);
    }
  } finally {
    delete process.env.MODEL_LENS_INJECT_TRAP;
  }
});
