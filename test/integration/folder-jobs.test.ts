// Folder jobs (issue 19): the pool gives what one worker gives, shards merge into the unsharded run,
// an interrupted run continues from its cache, a worker that dies is replaced.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { folderProgress, inShard, parseShard, shardOf } from '../../src/cli/folder-job';
import { defaultPoolSize, pieces, poolSize, WORKER_MEMORY_BYTES } from '../../src/pool/pool';
import { initEngine } from '../../src/core/engine/backend';
import { knowledgePlan, knowledgePointsOf, runKnowledge } from '../../src/core/distill/knowledge-run';
import { cli } from '../helpers/cli';

const repo = path.resolve(__dirname, '..', '..');
const bin = path.join(repo, 'bin', 'model-lens.js');
const demoModel = path.join(repo, 'demo', 'models', 'shapes', 'model.json');
const demoImages = path.join(repo, 'demo', 'images');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-folder-'));

/** A folder of a dozen demo images (the whole demo folder takes longer than these tests need). */
const folder = path.join(tmp, 'images');
fs.mkdirSync(folder);
const names = fs
  .readdirSync(demoImages)
  .filter((f) => f.endsWith('.png'))
  .sort()
  .filter((_, i) => i % 2 === 0);
for (const f of names) fs.copyFileSync(path.join(demoImages, f), path.join(folder, f));

function run(args: string[], env: Record<string, string> = {}) {
  if (!fs.existsSync(path.join(repo, 'dist', 'worker.js'))) assert.fail('dist/ is missing: npm test builds it first');
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** Every file of an output folder but the cache, with its bytes; summary.csv without its time column, results.json without times. */
function outputOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    let text = fs.readFileSync(path.join(dir, name)).toString(name.endsWith('.png') ? 'base64' : 'utf8');
    if (name === 'summary.csv') text = text.replace(/,[\d.]+,(probability|log-probability|logit)$/gm, ',T,$1');
    if (name === 'results.json') {
      const r = JSON.parse(text) as { images: { timeMs: number }[] };
      for (const img of r.images) img.timeMs = 0;
      text = JSON.stringify(r);
    }
    files.set(name, text);
  }
  return files;
}

function assertSameOutput(a: string, b: string): void {
  const x = outputOf(a);
  const y = outputOf(b);
  assert.deepEqual([...y.keys()], [...x.keys()]);
  for (const [name, text] of x) assert.ok(y.get(name) === text, `${name} differs between ${a} and ${b}`);
}

test('--shard K/N: parsed to the letter (1 ≤ K ≤ N), every image in exactly one share, the share 1 + a SHA-256 of the relative path mod N', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  assert.deepEqual(parseShard('4/4'), { index: 4, count: 4 });
  assert.equal(parseShard(undefined), undefined);
  for (const bad of ['0/4', '5/4', '1/0', 'a/4', '1', '-1/4'])
    assert.throws(() => parseShard(bad), { message: `--shard must be K/N with 1 ≤ K ≤ N, e.g. 1/4 for the first of four shares (got "${bad}")` });
  // Python's hashlib as the reference: 1 + int.from_bytes(sha256(p).digest()[:4], 'big') % N.
  assert.equal(shardOf('circle-1.png', 4), 1 + (3113247920 % 4));
  assert.equal(shardOf('circle-1.png', 7), 1 + (3113247920 % 7));
  assert.equal(shardOf(path.join('sub', 'dog.jpg'), 7), 1 + (2410785096 % 7));
  assert.equal(shardOf('a.png', 4), 1 + (2131169845 % 4));
  for (const n of [1, 2, 3, 5]) {
    const shares = names.map((f) => Array.from({ length: n }, (_, k) => k + 1).filter((k) => inShard(f, { index: k, count: n })));
    assert.ok(
      shares.every((s) => s.length === 1),
      `${n} shares`,
    );
  }
});

test('poolSize: the cores asked for or available, no more than the items or the memory budget, at least one', () => {
  assert.equal(poolSize({ items: 100, cores: 8 }), 8);
  assert.equal(poolSize({ items: 3, cores: 8 }), 3);
  assert.equal(poolSize({ asked: 2, items: 100, cores: 8 }), 2);
  assert.equal(poolSize({ items: 100, cores: 8, perWorkerBytes: 3e9, budgetBytes: 10e9 }), 3);
  assert.equal(poolSize({ items: 0, cores: 8 }), 1);
  // By default one per core while half the machine's memory holds them (about 1.25 GB each).
  assert.equal(defaultPoolSize(1), 1);
  assert.equal(defaultPoolSize(), Math.min(os.availableParallelism(), Math.floor(os.totalmem() / 2 / (1.25 * 2 ** 30))));
  assert.equal(poolSize({ items: 100, cores: 64, perWorkerBytes: WORKER_MEMORY_BYTES, budgetBytes: 16 * 2 ** 30 }), 12);
});

test('progress lines without a terminal: the rate counts only images computed in this run, from the first one', () => {
  const lines: string[] = [];
  let t = 0;
  const p = folderProgress('job', 10, (s) => lines.push(s), { tty: false, every: 1000, now: () => t });
  p.tick(true); // cached: no rate from it
  t = 5000;
  p.tick(); // the first computed image starts the clock; no rate yet, no line
  t = 7000;
  p.tick(); // one image in 2 s: 0.5 images/s, 7 left → 14 s
  p.tick(); // less than a second after the last line: none
  assert.deepEqual(lines, ['job: 30 % (3 of 10 images), 0.50 images/s, about 14 s left']);
  assert.equal(p.stop(), 'job: 4 images, 1 from the cache, 1.00 images/s');
  // By default at most one line per 10 s.
  const quiet: string[] = [];
  t = 0;
  const q = folderProgress('job', 100, (s) => quiet.push(s), { tty: false, now: () => t });
  for (t = 1000; t <= 30_000; t += 1000) q.tick();
  assert.deepEqual(
    quiet.map((l) => l.split(' (')[0]),
    ['job: 10 %', 'job: 20 %', 'job: 30 %'],
  );
});

test('a pool of two workers writes exactly what one worker writes; a re-run comes from the cache', () => {
  const one = path.join(tmp, 'one');
  const two = path.join(tmp, 'two');
  const r1 = run(['explain', demoModel, folder, '--out', one, '--workers', '1', '--backend', 'wasm']);
  assert.equal(r1.status, 0, r1.stderr);
  const r2 = run(['explain', demoModel, folder, '--out', two, '--workers', '2', '--backend', 'wasm']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(r2.stdout.split('\n').filter((l) => l.includes(' → ')).length, names.length);
  assertSameOutput(one, two);
  const results = JSON.parse(fs.readFileSync(path.join(two, 'results.json'), 'utf8')) as { images: { image: string }[] };
  assert.deepEqual(
    results.images.map((r) => r.image),
    names.map((f) => path.join(folder, f)),
  );
  const mtime = fs.statSync(path.join(two, `${names[0].replace('.png', '')}.overlay.png`)).mtimeMs;
  const again = run(['explain', demoModel, folder, '--out', two, '--workers', '2', '--backend', 'wasm']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`^model-lens explain: ${names.length} images, ${names.length} from the cache$`, 'm'));
  assert.equal(fs.statSync(path.join(two, `${names[0].replace('.png', '')}.overlay.png`)).mtimeMs, mtime, 'a cached image is not written again');
  assertSameOutput(one, two);
  // The model named by its folder (README's examples do): the same files.
  const byFolder = path.join(tmp, 'by-folder');
  const f = run(['explain', path.dirname(demoModel), folder, '--out', byFolder, '--workers', '2', '--backend', 'wasm']);
  assert.equal(f.status, 0, f.stderr);
  assertSameOutput(one, byFolder);
  const missing = run(['explain', path.join(tmp, 'no-such-model'), folder, '--out', path.join(tmp, 'missing')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^model-lens: .*no-such-model.*\n?$/);
  // A change of parameters is not served from the cache.
  const other = run(['explain', demoModel, folder, '--out', two, '--workers', '2', '--backend', 'wasm', '--method', 'layercam']);
  assert.doesNotMatch(other.stderr, /from the cache/);
});

test('an interrupted run continues where it stopped and ends with what an uninterrupted run writes', async () => {
  const out = path.join(tmp, 'interrupted');
  const reference = path.join(tmp, 'reference-occlusion');
  const args = ['explain', demoModel, folder, '--workers', '1', '--backend', 'wasm', '--method', 'occlusion'];
  assert.equal(run([...args, '--out', reference]).status, 0);
  // Killed after its third image.
  const child = spawn(process.execPath, [bin, ...args, '--out', out]);
  let seen = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      seen += (d.toString().match(/ → /g) ?? []).length;
      if (seen >= 3) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  assert.ok(seen >= 3 && seen < names.length, `killed after ${seen} images`);
  assert.ok(!fs.existsSync(path.join(out, 'summary.csv')), 'the killed run wrote no summary');
  const resumed = run([...args, '--out', out]);
  assert.equal(resumed.status, 0, resumed.stderr);
  const cached = Number(/(\d+) from the cache/.exec(resumed.stderr)?.[1]);
  assert.ok(cached >= 3 && cached < names.length, resumed.stderr);
  assertSameOutput(reference, out);
});

test('N shard processes at once, merged, equal the unsharded run; merge refuses a partial or mixed set', async () => {
  const whole = path.join(tmp, 'whole');
  assert.equal(run(['explain', demoModel, folder, '--out', whole, '--workers', '1', '--backend', 'wasm']).status, 0);
  const n = 3;
  const dirs = Array.from({ length: n }, (_, k) => path.join(tmp, `shard-${k + 1}`));
  const codes = await Promise.all(
    dirs.map(
      (dir, k) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [
            bin,
            'explain',
            demoModel,
            folder,
            '--out',
            dir,
            '--shard',
            `${k + 1}/${n}`,
            '--workers',
            '1',
            '--backend',
            'wasm',
          ]);
          child.on('exit', resolve);
        }),
    ),
  );
  assert.deepEqual(codes, [0, 0, 0]);
  const counts = dirs.map((d) => (JSON.parse(fs.readFileSync(path.join(d, 'results.json'), 'utf8')) as { images: unknown[] }).images.length);
  assert.equal(
    counts.reduce((a, b) => a + b),
    names.length,
  );
  const merged = path.join(tmp, 'merged');
  const m = await cli('merge', ...dirs.reverse(), '--out', merged);
  assert.equal(m.code, 0, m.err);
  assert.equal(m.out, `merged ${names.length} images from 3 folders into ${merged} (${2 * names.length} maps and overlays, summary.csv, results.json)`);
  assertSameOutput(whole, merged);

  const partial = await cli('merge', dirs[0], dirs[1], '--out', path.join(tmp, 'partial'));
  assert.deepEqual([partial.code, partial.err], [2, `model-lens: shard ${/shard-(\d)/.exec(dirs[2])![1]}/3 missing: the merge would be partial`]);
  const twice = await cli('merge', dirs[0], dirs[0], dirs[1], dirs[2], '--out', path.join(tmp, 'twice'));
  assert.equal(twice.code, 2);
  assert.match(twice.err, /^model-lens: shard \d\/3 is given twice: /);
  const notOutput = await cli('merge', folder, '--out', path.join(tmp, 'x'));
  assert.deepEqual(
    [notOutput.code, notOutput.err],
    [2, `model-lens: ${folder}: no results.json, so not the output folder of a finished model-lens explain over a folder`],
  );
  const layercam = path.join(tmp, 'layercam');
  assert.equal(run(['explain', demoModel, folder, '--out', layercam, '--workers', '1', '--method', 'layercam', '--backend', 'wasm']).status, 0);
  const mixed = await cli('merge', whole, layercam, '--out', path.join(tmp, 'mixed'));
  assert.deepEqual([mixed.code, mixed.err], [2, `model-lens: the folders differ in method: ${whole} has gradcam, ${layercam} has layercam`]);
});

test('a worker that dies is replaced and its image runs again; a bad image in the folder is named, exit 2', () => {
  const out = path.join(tmp, 'died');
  const marker = path.join(tmp, 'died-marker');
  const r = run(['explain', demoModel, folder, '--out', out, '--workers', '2', '--backend', 'wasm'], {
    MODEL_LENS_INJECT_WORKER_EXIT: `${names[1]}:${marker}`,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(marker), 'the worker was made to exit');
  assert.match(r.stderr, /^model-lens explain: 1 worker stopped and was replaced; its image ran again$/m);
  assertSameOutput(path.join(tmp, 'one'), out);

  const broken = path.join(tmp, 'broken');
  fs.mkdirSync(broken);
  for (const f of names.slice(0, 3)) fs.copyFileSync(path.join(folder, f), path.join(broken, f));
  fs.writeFileSync(path.join(broken, 'zz-truncated.png'), fs.readFileSync(path.join(folder, names[0])).subarray(0, 100));
  const b = run(['explain', demoModel, broken, '--out', path.join(tmp, 'broken-out'), '--workers', '2', '--backend', 'wasm']);
  assert.equal(b.status, 2, b.stderr);
  assert.match(b.stderr.trim().split('\n').at(-1)!, /^model-lens: .*zz-truncated\.png: /);
});

test('spray and evaluate with --workers 2 print exactly what one worker prints; a worker that dies mid-piece is replaced; --workers is checked', () => {
  const json = (args: string[], env: Record<string, string> = {}) => {
    const r = run([...args, '--json', '--backend', 'wasm'], env);
    assert.equal(r.status, 0, r.stderr);
    return { out: JSON.parse(r.stdout) as unknown, err: r.stderr };
  };
  // SpRAy over the dozen images (the maps on the pool, a piece each; the clustering here).
  const spray = ['spray', demoModel, folder, '--class', 'square', '--neighbours', '3', '--method', 'gradcam'];
  const sprayOne = json([...spray, '--workers', '1']).out as { images: unknown[] };
  assert.equal(sprayOne.images.length, names.length);
  assert.deepEqual(json([...spray, '--workers', '2']).out, sprayOne);
  const marker = path.join(tmp, 'spray-died');
  const died = json([...spray, '--workers', '2'], { MODEL_LENS_INJECT_WORKER_EXIT: `${names[4]}:${marker}` });
  assert.ok(fs.existsSync(marker), 'the worker was made to exit');
  assert.match(died.err, /^model-lens spray: 1 worker stopped and was replaced; its share ran again$/m);
  assert.deepEqual(died.out, sprayOne);
  // evaluate: each worker a piece of the folder; the means over every image.
  const evaluate = ['evaluate', demoModel, folder, '--method', 'gradcam', '--method', 'saliency', '--boxes', path.join(demoImages, 'boxes.json')];
  const evalOne = json([...evaluate, '--workers', '1']).out as { images: unknown[]; means: Record<string, { deletionAuc: number }> };
  assert.equal(evalOne.images.length, names.length);
  assert.ok(Number.isFinite(evalOne.means.gradcam.deletionAuc));
  assert.deepEqual(json([...evaluate, '--workers', '2']).out, evalOne);
  // --workers 0 is one per core; anything but a count is refused in one line.
  assert.deepEqual(json([...evaluate.slice(0, 5), '--workers', '0']).out, json([...evaluate.slice(0, 5), '--workers', '1']).out);
  const bad = run([...spray, '--workers', 'all']);
  assert.deepEqual([bad.status, bad.stderr.trim()], [2, 'model-lens: --workers must be an integer ≥ 0 (got "all")']);
});

test("compare and knowledge with --workers 2 print (and draw) exactly what one worker does, and with --out continue from their cache; compare shows a folder's progress", () => {
  const kd = path.join(repo, 'demo', 'kd-images');
  const sub = path.join(tmp, 'kd');
  // Two classes, four images each: the truth from the class folders, the boxes from the demo's file.
  for (const c of ['circle', 'cross']) {
    fs.mkdirSync(path.join(sub, c), { recursive: true });
    for (const f of fs.readdirSync(path.join(kd, c)).sort().slice(0, 4)) fs.copyFileSync(path.join(kd, c, f), path.join(sub, c, f));
  }
  const models = ['teacher', 'student-kd-s1'].map((r) => path.join(repo, 'demo', 'runs', r, 'model.onnx'));
  const compare = (workers: string) => {
    const out = path.join(tmp, `compare-${workers}`);
    const r = run(['compare', ...models, sub, '--boxes', path.join(kd, 'boxes.json'), '--out', out, '--workers', workers, '--json', '--backend', 'wasm']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^model-lens compare: 8 images, [\d.]+ images\/s$/m);
    return { json: JSON.parse(r.stdout) as { images: unknown[]; models: { accuracy: number }[] }, out };
  };
  const one = compare('1');
  assert.equal(one.json.images.length, 8);
  assert.ok(one.json.models.every((m) => m.accuracy >= 0 && m.accuracy <= 1));
  const two = compare('2');
  assert.deepEqual(two.json, one.json);
  assertSameOutput(one.out, two.out);
  assert.equal(fs.readdirSync(two.out).filter((f) => f.endsWith('.overlay.png')).length, 16);

  // knowledge over a run's checkpoints: each worker a piece of the images of each checkpoint; D and ρ here.
  const checkpoints = path.join(tmp, 'checkpoints');
  fs.mkdirSync(checkpoints);
  for (const f of ['epoch-00.onnx', 'epoch-04.onnx', 'epoch-08.onnx'])
    fs.copyFileSync(path.join(repo, 'demo', 'runs', 'student-kd-s1', 'checkpoints', f), path.join(checkpoints, f));
  const knowledge = (workers: string) => {
    const heat = path.join(tmp, `knowledge-${workers}.json`);
    const r = run([
      'knowledge',
      models[1],
      sub,
      '--boxes',
      path.join(kd, 'boxes.json'),
      '--steps',
      '4',
      '--samples',
      '2',
      '--checkpoints',
      checkpoints,
      '--heatmap-out',
      heat,
      '--workers',
      workers,
      '--json',
      '--backend',
      'wasm',
    ]);
    assert.equal(r.status, 0, r.stderr);
    return { json: JSON.parse(r.stdout) as { images: unknown[]; checkpoints: unknown[]; dMean: number }, heat: fs.readFileSync(heat, 'utf8') };
  };
  const k1 = knowledge('1');
  assert.deepEqual([k1.json.images.length, k1.json.checkpoints.length], [8, 3]);
  assert.ok(Number.isFinite(k1.json.dMean));
  const k2 = knowledge('2');
  assert.deepEqual(k2.json, k1.json);
  assert.equal(k2.heat, k1.heat);

  // With --out, both cache each image: a re-run computes nothing, an interrupted one (half the entries gone)
  // only the rest, and either prints what the uninterrupted run printed; --no-cache writes no cache.
  const cached = (args: string[], out: string, extra: string[] = []) => {
    const r = run([...args, '--out', out, ...extra, '--json', '--backend', 'wasm']);
    assert.equal(r.status, 0, r.stderr);
    return { json: JSON.parse(r.stdout) as unknown, err: r.stderr };
  };
  const compareArgs = ['compare', ...models, sub, '--boxes', path.join(kd, 'boxes.json'), '--workers', '2'];
  const cmpOut = path.join(tmp, 'compare-cached');
  assert.deepEqual(cached(compareArgs, cmpOut).json, one.json);
  const entries = fs.readdirSync(path.join(cmpOut, '.model-lens-cache'));
  assert.equal(entries.length, 8);
  const again = cached(compareArgs, cmpOut);
  assert.match(again.err, /^model-lens compare: 8 images, 8 from the cache$/m);
  assert.deepEqual(again.json, one.json);
  for (const e of entries.slice(0, 4)) fs.rmSync(path.join(cmpOut, '.model-lens-cache', e));
  const resumed = cached(compareArgs, cmpOut);
  assert.match(resumed.err, /^model-lens compare: 8 images, 4 from the cache, [\d.]+ images\/s$/m);
  assert.deepEqual(resumed.json, one.json);
  assertSameOutput(one.out, cmpOut);
  const noCache = path.join(tmp, 'compare-no-cache');
  assert.deepEqual(cached(compareArgs, noCache, ['--no-cache']).json, one.json);
  assert.ok(!fs.existsSync(path.join(noCache, '.model-lens-cache')));

  const knowledgeArgs = ['knowledge', models[1], sub, '--boxes', path.join(kd, 'boxes.json'), '--steps', '4', '--samples', '2', '--checkpoints', checkpoints];
  const knOut = path.join(tmp, 'knowledge-cached');
  const first = cached(knowledgeArgs, knOut, ['--workers', '1']);
  assert.deepEqual(first.json, k1.json);
  assert.match(first.err, /^model-lens knowledge: (\d+) images' points over the model and its checkpoints, 0 from the cache$/m);
  const all = Number(/^model-lens knowledge: (\d+) images' points/m.exec(first.err)![1]);
  assert.ok(all >= 8 * 3, `${all} images' points`);
  const second = cached(knowledgeArgs, knOut, ['--workers', '2']);
  assert.deepEqual(second.json, k1.json);
  assert.match(second.err, new RegExp(`^model-lens knowledge: ${all} images' points over the model and its checkpoints, ${all} from the cache$`, 'm'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(knOut, 'results.json'), 'utf8')), k1.json);
});

test("knowledge as the extension's pool runs it: the plan, each model file's points found a piece at a time, then the numbers, equal to one run", async () => {
  await initEngine({ backend: 'wasm' });
  const kd = path.join(repo, 'demo', 'kd-images');
  const runDir = path.join(repo, 'demo', 'runs', 'student-kd-s1');
  const checkpoints = path.join(tmp, 'plan-checkpoints');
  fs.mkdirSync(checkpoints, { recursive: true });
  for (const f of ['epoch-00.onnx', 'epoch-08.onnx']) fs.copyFileSync(path.join(runDir, 'checkpoints', f), path.join(checkpoints, f));
  const options = {
    model: path.join(runDir, 'model.onnx'),
    target: kd,
    boxesFile: path.join(kd, 'boxes.json'),
    checkpoints,
    params: { steps: 3, samples: 2 },
    maxImages: 5,
  };
  const whole = await runKnowledge(options);
  const plan = await knowledgePlan(options);
  assert.equal(plan.images.length, 5);
  assert.ok(plan.models.length >= 2 && plan.models[0] === whole.model, plan.models.join(', '));
  const points: Record<string, Awaited<ReturnType<typeof knowledgePointsOf>>> = {};
  for (const model of plan.models)
    for (const images of pieces(plan.images, 2))
      (points[model] ??= []).push(...(await knowledgePointsOf({ model, images, layer: plan.layer, params: plan.params })));
  const asked: string[] = [];
  const pooled = await runKnowledge({
    ...options,
    pointsOf: async (job) => {
      asked.push(job.model);
      return points[job.model];
    },
  });
  assert.deepEqual(new Set(asked), new Set(plan.models));
  assert.deepEqual(pooled, whole);
});
