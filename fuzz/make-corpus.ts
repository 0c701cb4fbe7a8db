import { execFileSync } from 'node:child_process';
/**
 * `npm run fuzz:corpus`: writes the regression corpus, test/fixtures/fuzz/ — every input that ever
 * failed, each with the outcome it must have now (case.json) — and checks that outcome first.
 * Two kinds of case:
 * - examples: the damaged and real-world files issue 12 names, built here by hand, each with the
 *   exact message written below;
 * - found: the cases fuzzing campaigns failed on, rebuilt from (family, campaign seed, case seed)
 *   with the mutators of fuzz/families, their message recorded as it is now after review.
 * test/integration/fuzz-corpus.test.ts runs every case and asserts exit code and message.
 * Files equal to a demo or fixture file are stored as relative symlinks to it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { main } from '../src/cli/main';
import { initEngine } from '../src/core/engine/backend';
import { fileVersionRecord, scalarEventRecord } from '../src/core/logs/event-writer';
import { maskedCrc32c } from '../src/core/logs/tfrecord';
import { clearModelCache } from '../src/core/model/load';
import { ModelType } from '../src/core/model/onnx/proto';
import { saveLayersModel } from '../src/core/model/save';
import { writeGraphModel } from '../test/helpers/graph-fixture';
import { buildCase, caseSeedOf, FAMILY_TABLE } from './lib/campaign';
import { classify, FAILURES } from './lib/classify';
import { subsetDifference, type CaseFile } from './lib/corpus';
import { pngBytes, pngChunks } from './lib/png';
import type { FamilyName } from './lib/family';
import { DEMO_IMAGE, DEMO_MODEL, REPO } from './lib/paths';

const OUT = path.join(REPO, 'test', 'fixtures', 'fuzz');

interface Example {
  name: string;
  why: string;
  build(dir: string): Promise<string[]> | string[];
  code: number;
  stderr: string;
  stdoutJson?: unknown;
  setup?: string[];
}

// ---- builders --------------------------------------------------------------------------------

async function tinyLayersModel(dir: string): Promise<string> {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3, name: 'conv', kernelInitializer: 'ones' }));
  m.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  m.add(tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out', kernelInitializer: 'ones' }));
  return saveLayersModel(m, dir);
}

function editJson(file: string, f: (j: any) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  f(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

function editOnnx(from: string, to: string, f: (m: any) => void): string {
  const m = ModelType.toObject(ModelType.decode(fs.readFileSync(from)), { longs: Number, bytes: String }) as any;
  f(m);
  fs.writeFileSync(to, ModelType.encode(ModelType.fromObject(m)).finish());
  return to;
}

const onnxFixture = (name: string): string => path.join(REPO, 'test', 'fixtures', 'onnx', name);
const conv = (m: any): any => m.graph.node.find((n: any) => n.opType === 'Conv');
const attr = (n: any, name: string): any => n.attribute.find((a: any) => a.name === name);

const EXAMPLES: Example[] = [
  {
    name: 'tfjs-manifest-path-number',
    why: 'a weight-manifest path that is a number (was: internal error, TypeError [ERR_INVALID_ARG_TYPE])',
    build: async (dir) => {
      const f = await tinyLayersModel(dir);
      editJson(f, (j) => (j.weightsManifest[0].paths = [42]));
      return ['explain', f, DEMO_IMAGE];
    },
    code: 2,
    stderr: 'model-lens: {case}/model.json: malformed weight shard path (a number, not a string)',
  },
  {
    name: 'tfjs-bytes-inserted',
    why: 'model.json with bytes inserted (was: the raw bytes echoed back)',
    build: async (dir) => {
      const f = await tinyLayersModel(dir);
      const text = fs.readFileSync(f, 'utf8');
      fs.writeFileSync(f, text.slice(0, 60) + '\u0007\u0000SECRET' + text.slice(60));
      return ['summary', f];
    },
    code: 2,
    stderr: 'model-lens: {case}/model.json: malformed model.json (not valid JSON at byte 60)',
  },
  {
    name: 'tfjs-nested-10000',
    why: 'JSON nested 10,000 deep (was: Maximum call stack size exceeded)',
    build: async (dir) => {
      const f = await tinyLayersModel(dir);
      const text = fs.readFileSync(f, 'utf8');
      fs.writeFileSync(f, text.replace('"modelTopology":', `"extra": ${'['.repeat(10_000)}${']'.repeat(10_000)}, "modelTopology":`));
      return ['summary', f];
    },
    code: 2,
    stderr: 'model-lens: {case}/model.json: malformed model.json (nested more than 256 levels deep)',
  },
  {
    name: 'tfjs-zero-input',
    why: 'a model with a 0×0 input (was: a score after 13 lines of XNNPACK errors)',
    build: async (dir) => {
      const f = await tinyLayersModel(dir);
      editJson(f, (j) => (j.modelTopology.config.layers[0].config.batch_input_shape = [null, 0, 0, 3]));
      return ['explain', f, DEMO_IMAGE];
    },
    code: 2,
    stderr: 'model-lens: {case}/model.json: layer "conv" (Conv2D) has an invalid batch_input_shape ([null,0,0,3]; expected a list of sizes ≥ 1 or null)',
  },
  {
    name: 'tfjs-nan-weight',
    why: 'a non-finite weight (was: "circle (NaN)" and exit 0)',
    build: async (dir) => {
      const f = await tinyLayersModel(dir);
      const shard = path.join(dir, 'group1-shard1of1.bin');
      const b = fs.readFileSync(shard);
      b.writeFloatLE(NaN, 0);
      fs.writeFileSync(shard, b);
      return ['explain', f, DEMO_IMAGE];
    },
    code: 2,
    stderr:
      'model-lens: {case}/model.json: output "out" is not finite (NaN or infinite) for this image, so there is nothing to explain (1 weight holds NaN or infinite values ("conv/kernel"))',
  },
  {
    name: 'tfjs-nan-weight-summary',
    why: 'summary of a model with a non-finite weight: a warning, exit 0',
    build: async (dir) => {
      const f = await tinyLayersModel(dir);
      const shard = path.join(dir, 'group1-shard1of1.bin');
      const b = fs.readFileSync(shard);
      b.writeFloatLE(Infinity, 4);
      fs.writeFileSync(shard, b);
      return ['summary', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { warnings: ['1 weight holds NaN or infinite values ("conv/kernel"); outputs may not be finite'] },
  },
  {
    name: 'tfjs-keras214-regularizers',
    why: 'a layers model converted from Keras 2.14: L2 regularizer, MaxNorm constraint, HeNormal initializer objects (was: "Unknown regularizer: L2")',
    build: async (dir) => {
      const f = await tinyLayersModel(dir);
      editJson(f, (j) => {
        const c = j.modelTopology.config.layers[0].config;
        c.kernel_regularizer = { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.01 }, registered_name: null };
        c.kernel_constraint = { module: 'keras.constraints', class_name: 'MaxNorm', config: { max_value: 2, axis: 0 }, registered_name: null };
        c.kernel_initializer = { module: 'keras.initializers', class_name: 'HeNormal', config: { seed: null }, registered_name: null };
      });
      return ['explain', f, DEMO_IMAGE, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { method: 'gradcam', layer: 'conv', target: 0 },
  },
  {
    name: 'tfjs-graph-string-weights',
    why: 'a graph model holding string and int weights, a vocabulary (was: "unsupported dtype string")',
    build: (dir) => {
      const f = writeGraphModel(dir);
      const words = ['the', 'naïve', ''];
      fs.appendFileSync(
        path.join(dir, 'group1-shard1of1.bin'),
        Buffer.concat(words.flatMap((w) => [Buffer.from(Uint32Array.of(Buffer.byteLength(w)).buffer), Buffer.from(w)])),
      );
      editJson(f, (j) => {
        j.modelTopology.node.push({
          name: 'vocab',
          op: 'Const',
          attr: { value: { tensor: { dtype: 'DT_STRING', tensorShape: { dim: [{ size: '3' }] } } }, dtype: { type: 'DT_STRING' } },
        });
        j.weightsManifest[0].weights.push({ name: 'vocab', shape: [3], dtype: 'string' });
      });
      return ['summary', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { format: 'tfjs-graph', inputs: [{ shape: [null, 12, 12, 3] }] },
  },
  {
    name: 'onnx-negative-dim',
    why: 'a negative dimension in an ONNX initializer (was: "Tensor must have a shape comprised of positive integers")',
    build: (dir) => ['summary', editOnnx(onnxFixture('small-cnn.onnx'), path.join(dir, 'model.onnx'), (m) => (m.graph.initializer[0].dims[0] = -8))],
    code: 2,
    stderr:
      'model-lens: {case}/model.onnx: not a readable ONNX model (tensor "conv2.weight" has an invalid shape [-8, 8, 3, 3] (sizes must be whole numbers ≥ 0))',
  },
  {
    name: 'onnx-negative-pads',
    why: 'negative ONNX pads (was: RuntimeError: memory access out of bounds)',
    build: (dir) => [
      'explain',
      editOnnx(onnxFixture('small-cnn.onnx'), path.join(dir, 'model.onnx'), (m) => (attr(conv(m), 'pads').ints = [-5, -5, -5, -5])),
      DEMO_IMAGE,
    ],
    code: 2,
    stderr: 'model-lens: {case}/model.onnx: node "/conv1/Conv" (Conv) pads [-5, -5, -5, -5] must be whole numbers from 0 to 65536',
  },
  {
    name: 'onnx-stride-1e9',
    why: 'a stride of 10⁹ (was: a wasm trap that poisoned every later job)',
    build: (dir) => [
      'explain',
      editOnnx(onnxFixture('small-cnn.onnx'), path.join(dir, 'model.onnx'), (m) => (attr(conv(m), 'strides').ints = [1e9, 1e9])),
      DEMO_IMAGE,
    ],
    code: 2,
    stderr: 'model-lens: {case}/model.onnx: node "/conv1/Conv" (Conv) strides [1000000000, 1000000000] must be whole numbers from 1 to 65536',
  },
  {
    name: 'onnx-side-branch',
    why: 'a tf2onnx-style graph with an unsupported operator on a side branch (was: summary exits 2)',
    build: (dir) => {
      const f = editOnnx(onnxFixture('small-cnn.onnx'), path.join(dir, 'model.onnx'), (m) => {
        const last = m.graph.output[0].name;
        m.graph.node.push({ input: [last], output: ['pred'], name: 'argmax', opType: 'ArgMax', attribute: [{ name: 'axis', type: 2, i: 1 }] });
        m.graph.node.push({ input: [last, last], output: ['boxes'], name: 'nms', opType: 'NonMaxSuppression' });
        m.graph.output.push({ name: 'pred', type: { tensorType: { elemType: 7 } } }, { name: 'boxes', type: { tensorType: { elemType: 7 } } });
      });
      return ['summary', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { unavailableOutputs: [{ name: 'boxes', reason: 'operator "NonMaxSuppression" of node "nms" is not supported' }] },
  },
  {
    name: 'png-claims-9999',
    why: 'a 100-byte PNG whose header claims 9999×9999, its CRC fixed (was: 7 GB and no answer in 60 s)',
    build: (dir) => {
      const chunks = pngChunks(fs.readFileSync(DEMO_IMAGE))!;
      const ihdr = Buffer.from(chunks[0].data);
      ihdr.writeUInt32BE(9999, 0);
      ihdr.writeUInt32BE(9999, 4);
      const f = path.join(dir, 'image.png');
      fs.writeFileSync(f, pngBytes([{ type: 'IHDR', data: ihdr }, ...chunks.slice(1)]).subarray(0, 100));
      return ['explain', DEMO_MODEL, f];
    },
    code: 2,
    stderr: 'model-lens: {case}/image.png: truncated or corrupt PNG (the pixel data ends early)',
  },
  {
    name: 'png-missing-rows',
    why: 'a PNG whose pixel data stops early, CRCs fixed (was: zero-filled and classified)',
    build: (dir) => {
      const chunks = pngChunks(fs.readFileSync(DEMO_IMAGE))!;
      const f = path.join(dir, 'image.png');
      fs.writeFileSync(f, pngBytes(chunks.map((c) => (c.type === 'IDAT' ? { type: 'IDAT', data: c.data.subarray(0, Math.floor(c.data.length / 3)) } : c))));
      return ['explain', DEMO_MODEL, f];
    },
    code: 2,
    stderr: 'model-lens: {case}/image.png: truncated or corrupt PNG (the pixel data ends early)',
  },
  {
    name: 'png-without-iend',
    why: 'a PNG without its IEND chunk (was: "There are some read requests waitng on finished stream"); the pixels are all there',
    build: (dir) => {
      const chunks = pngChunks(fs.readFileSync(DEMO_IMAGE))!.filter((c) => c.type !== 'IEND');
      const f = path.join(dir, 'image.png');
      fs.writeFileSync(f, pngBytes(chunks));
      return ['explain', DEMO_MODEL, f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { top: [{ label: 'circle' }] },
  },
  {
    name: 'jpeg-corrupt-huffman',
    why: 'a JPEG with a damaged Huffman table (was: "Cannot read properties of undefined (reading \'0\')")',
    build: (dir) => {
      const b = Buffer.from(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'images', 'baseline.jpg')));
      const dht = b.indexOf(Buffer.from([0xff, 0xc4]));
      for (let i = dht + 5; i < dht + 21; i++) b[i] = 0xff;
      const f = path.join(dir, 'photo.jpg');
      fs.writeFileSync(f, b);
      return ['explain', DEMO_MODEL, f];
    },
    code: 2,
    stderr: 'model-lens: {case}/photo.jpg: truncated or corrupt JPEG (the decoder could not read it)',
  },
  {
    name: 'image-dev-zero',
    why: 'an image that is a symlink to /dev/zero (was: read without limit, 7 GB)',
    build: () => ['explain', DEMO_MODEL, '{case}/zero.png'],
    setup: ['symlink /dev/zero zero.png'],
    code: 2,
    stderr: 'model-lens: {case}/zero.png: a device, not an image',
  },
  {
    name: 'model-fifo',
    why: 'a model that is a FIFO (was: a hang)',
    build: () => ['summary', '{case}/model.onnx'],
    setup: ['fifo model.onnx'],
    code: 2,
    stderr: 'model-lens: {case}/model.onnx: a named pipe, not a model file',
  },
  {
    name: 'csv-stray-quote',
    why: 'one stray " in a Lightning metrics.csv (was: no points, exit 0, corrupt 0)',
    build: (dir) => {
      const f = path.join(dir, 'metrics.csv');
      fs.writeFileSync(f, 'epoch,step,train_loss\n0,0,1.0\n0,1,"0.9\n0,2,0.8\n1,3,0.7\n');
      return ['curves', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { runs: [{ files: [{ format: 'csv' }], corrupt: 1, tags: { train_loss: { count: 3, last: { step: 3, value: 0.7 } } } }] },
  },
  {
    name: 'csv-utf16',
    why: 'a UTF-16 CSV (was: no points)',
    build: (dir) => {
      const f = path.join(dir, 'log.csv');
      fs.writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('epoch,loss\r\n0,1.5\r\n1,0.5\r\n', 'utf16le')]));
      return ['curves', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { runs: [{ corrupt: 0, tags: { loss: { count: 2, first: { step: 0, value: 1.5 }, last: { step: 1, value: 0.5 } } } }] },
  },
  {
    name: 'csv-no-final-newline',
    why: 'a finished Keras CSVLogger file whose last row has no line break (was: the row lost)',
    build: (dir) => {
      const f = path.join(dir, 'training.csv');
      fs.writeFileSync(f, 'epoch,accuracy,loss\n0,0.5,1.2\n1,0.75,0.6\n2,0.875,0.3');
      return ['curves', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { runs: [{ incomplete: 0, trailingBytes: 0, tags: { loss: { count: 3, last: { step: 2, value: 0.3 } } } }] },
  },
  {
    name: 'jsonl-no-final-newline',
    why: 'a JSON-lines log whose last line has no line break (was: the line lost)',
    build: (dir) => {
      const f = path.join(dir, 'train.jsonl');
      fs.writeFileSync(f, '{"step": 1, "loss": 2.0}\n{"step": 2, "loss": 1.0}');
      return ['curves', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { runs: [{ tags: { loss: { count: 2, last: { step: 2, value: 1 } } } }] },
  },
  {
    name: 'trainer-state-damaged',
    why: 'a damaged trainer_state.json (was: no points and corrupt 0)',
    build: (dir) => {
      const f = path.join(dir, 'trainer_state.json');
      fs.writeFileSync(f, '{"global_step": 20, "log_history": [{"step": 10, "loss": 0.5}, {"step": 20, "lo');
      return ['curves', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { runs: [{ files: [{ format: 'hf-trainer-state' }], corrupt: 1, tags: {} }] },
  },
  {
    name: 'events-length-200mb',
    why: 'an event record whose length field claims 200 MB with a valid CRC (was: the rest of the file dropped, corrupt 0)',
    build: (dir) => {
      const bad = Buffer.alloc(12 + 24);
      bad.writeUInt32LE(200 * 1024 * 1024, 0);
      bad.writeUInt32LE(maskedCrc32c(bad.subarray(0, 8)), 8);
      const records = [
        fileVersionRecord(1000),
        scalarEventRecord(1, 1001, { loss: 1 }),
        bad,
        scalarEventRecord(2, 1002, { loss: 0.5 }),
        scalarEventRecord(3, 1003, { loss: 0.25 }),
      ];
      const f = path.join(dir, 'events.out.tfevents.1000.host');
      fs.writeFileSync(f, Buffer.concat(records.map((r) => Buffer.from(r))));
      return ['curves', f, '--json'];
    },
    code: 0,
    stderr: '',
    stdoutJson: { runs: [{ corrupt: 1, incomplete: 0, tags: { loss: { count: 3, last: { step: 3, value: 0.25 } } } }] },
  },
];

/** Cases fuzzing campaigns failed on before their fixes: family, campaign seed, case seed. */
const FOUND: [FamilyName, number, number][] = [
  ['jsonl', 3, 1961308162],
  ['onnx', 3, 1477640060],
  ['tfjs', 3, 1233732997],
  ['tfjs', 3, 2199881989],
  ['tfjs', 3, 4028789555],
  ['keras', 4, 3338293964],
  ['keras', 4, 55769561],
  ['tfjs', 4, 2825542437],
  ['tfjs', 4, 2533122418],
  ['tfjs', 4, 2201955435],
  ['tfjs', 5, 3443456561],
  ['onnx', 5, 2567909408],
  ['onnx', 5, 3263580663],
  ['onnx', 5, 932036075],
  ['onnx', 7, 3284911633],
  ['tfjs', 7, 1968088826],
  ['onnx', 7, 2598817501],
  ['tfjs', 7, 3276854069],
  ['onnx', 11, 3401034743],
  ['onnx', 11, 64071978],
  ['tfjs', 11, 581520701],
  ['onnx', 11, 1698827936],
  ['tfjs', 11, 4244572024],
  ['tfjs', 11, 3887772334],
  ['onnx', 12, 3516648341],
  ['onnx', 12, 715294287],
  ['keras', 12, 1329154719],
  ['tfjs', 12, 3115728254],
  ['onnx', 12, 178622196],
  ['onnx', 12, 3269905659],
  ['tfjs', 21, 783722639],
  ['tfjs', 22, 3126522484],
  ['onnx', 22, 308710834],
  ['tfjs', 22, 2564380633],
  ['onnx', 22, 574565234],
  ['tfjs', 31, 267288182],
  ['keras', 31, 2345262573],
  ['onnx', 32, 3865784675],
  ['keras', 32, 1935528609],
  ['keras', 32, 218678574],
];

// ---- writing ---------------------------------------------------------------------------------

const placeholders = (s: string, dir: string): string => s.split(dir).join('{case}').split(REPO).join('{repo}');

/** Replaces files equal to one of the repository's demo or fixture files by relative symlinks to it. */
function dedupe(dir: string): void {
  const pool = new Map<string, string>();
  for (const d of ['demo/models/shapes', 'demo/models/encoder', 'test/fixtures/onnx', 'test/fixtures/keras', 'test/fixtures/images']) {
    for (const f of fs.readdirSync(path.join(REPO, d)))
      pool.set(`${fs.statSync(path.join(REPO, d, f)).size}:${fs.readFileSync(path.join(REPO, d, f)).toString('base64')}`, path.join(REPO, d, f));
  }
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (!fs.lstatSync(p).isFile()) continue;
    const same = pool.get(`${fs.statSync(p).size}:${fs.readFileSync(p).toString('base64')}`);
    if (same) {
      fs.rmSync(p);
      fs.symlinkSync(path.relative(dir, same), p);
    }
  }
}

function runSetup(dir: string, setup: string[] = []): void {
  for (const step of setup) {
    const [kind, a, b] = step.split(' ');
    if (kind === 'fifo') execFileSync('mkfifo', [path.join(dir, a)]);
    else if (kind === 'symlink') fs.symlinkSync(a, path.join(dir, b));
  }
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  clearModelCache();
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function main_(): Promise<number> {
  await initEngine({ backend: 'wasm' });
  fs.rmSync(OUT, { recursive: true, force: true });
  let bad = 0;
  const write = async (name: string, c: Omit<CaseFile, 'argv'>, argv: string[], dir: string): Promise<void> => {
    const setupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-corpus-'));
    fs.cpSync(dir, setupDir, { recursive: true, dereference: true });
    runSetup(setupDir, c.setup);
    const live = argv.map((a) => a.split(dir).join(setupDir).split('{case}').join(setupDir));
    const r = await run(live);
    fs.rmSync(setupDir, { recursive: true, force: true });
    const got = { code: r.code, stderr: placeholders(r.stderr, setupDir) };
    const json =
      c.stdoutJson !== undefined
        ? (() => {
            try {
              return JSON.parse(r.stdout);
            } catch {
              return undefined;
            }
          })()
        : undefined;
    const jsonDiff = c.stdoutJson !== undefined ? subsetDifference(json, c.stdoutJson) : undefined;
    if (got.code !== c.code || got.stderr !== c.stderr || jsonDiff) {
      bad++;
      console.error(
        `${name}: expected exit ${c.code} ${JSON.stringify(c.stderr)}, got exit ${got.code} ${JSON.stringify(got.stderr)}${jsonDiff ? ` (${jsonDiff})` : ''}`,
      );
    }
    dedupe(dir);
    const file: CaseFile = {
      why: c.why,
      argv: argv.map((a) => placeholders(a, dir)),
      code: c.code,
      stderr: c.stderr,
      ...(c.stdoutJson !== undefined ? { stdoutJson: c.stdoutJson } : {}),
      ...(c.setup ? { setup: c.setup } : {}),
    };
    fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify(file, null, 2) + '\n');
  };

  for (const ex of EXAMPLES) {
    const dir = path.join(OUT, 'examples', ex.name);
    fs.mkdirSync(dir, { recursive: true });
    const argv = await ex.build(dir);
    await write(ex.name, ex, argv, dir);
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-corpus-seeds-'));
  for (const [familyName, campaignSeed, caseSeed] of FOUND) {
    const family = FAMILY_TABLE[familyName];
    const index = Array.from({ length: 5000 }, (_, i) => i).find((i) => caseSeedOf(campaignSeed, familyName, i) === caseSeed);
    if (index === undefined) throw new Error(`no case of ${familyName} with seed ${caseSeed} in campaign ${campaignSeed}`);
    const seeds = family.seeds(path.join(work, familyName));
    const name = `${familyName}-${family.mutators[index % family.mutators.length].name}-${caseSeed}`;
    const dir = path.join(OUT, 'found', name);
    const { argv } = buildCase(family, seeds, campaignSeed, index, dir);
    // The recorded outcome is what the fixed code does now; it must be one of the good classes.
    const r = await run(argv);
    const outcome = { kind: 'done' as const, code: r.code, stdout: r.stdout, stderr: r.stderr, ms: 0, peakRss: 0, leaked: 0, noise: '' };
    const cls = classify(familyName, outcome, dir, argv);
    if (FAILURES.has(cls)) {
      bad++;
      console.error(`${name}: still fails (${cls}): ${r.stderr}`);
    }
    await write(
      name,
      {
        why: `found by \`npm run fuzz -- --family ${familyName} --seed ${campaignSeed}\` (case ${index}); failed before its fix`,
        code: r.code,
        stderr: placeholders(r.stderr, dir),
      },
      argv,
      dir,
    );
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`${EXAMPLES.length} examples and ${FOUND.length} found cases written to ${path.relative(REPO, OUT)}${bad ? `; ${bad} not as expected` : ''}`);
  return bad ? 1 : 0;
}

main_().then((code) => (process.exitCode = code));
