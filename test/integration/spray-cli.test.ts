import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../helpers/cli';

const REPO = path.resolve(__dirname, '..', '..');
const MODEL = path.join(REPO, 'demo', 'models', 'shapes');
const IMAGES = path.join(REPO, 'demo', 'images');

test('spray --json prints the documented shape; --out writes results.json, the mean maps and the embedding; the same seed gives the same result', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'spray-'));
  const args = ['spray', MODEL, IMAGES, '--class', 'square', '--neighbours', '5', '--grid', '8', '--json', '--backend', 'wasm'];
  const r = await cli(...args, '--out', out);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['class', 'label', 'method', 'clusters', 'eigenvalues', 'images', 'groups']);
  assert.equal(j.class, 1);
  assert.equal(j.label, 'square');
  assert.equal(j.method, 'lrp');
  const pngs = fs
    .readdirSync(IMAGES)
    .filter((f) => f.endsWith('.png'))
    .sort();
  assert.deepEqual(
    j.images.map((i: { image: string }) => i.image),
    pngs.map((f) => path.join(IMAGES, f)),
    'every image of the folder, the path given joined with the name inside it',
  );
  assert.equal(j.eigenvalues.length, 10);
  assert.ok(
    j.eigenvalues.every((e: number, i: number) => i === 0 || e >= j.eigenvalues[i - 1] - 1e-12),
    'ascending',
  );
  assert.ok(Math.abs(j.eigenvalues[0]) < 1e-9, 'the smallest eigenvalue of a normalised Laplacian is 0');
  assert.equal(j.groups.length, j.clusters);
  assert.equal(
    j.groups.reduce((s: number, g: { size: number }) => s + g.size, 0),
    pngs.length,
  );
  for (const g of j.groups) {
    assert.equal(g.size, j.images.filter((i: { cluster: number }) => i.cluster === g.cluster).length);
    assert.deepEqual([g.meanMap.width, g.meanMap.height, g.meanMap.values.length], [8, 8, 64]);
    assert.ok(
      g.meanMap.values.every((v: number) => Math.abs(v) <= 1 + 1e-6),
      'means of maps scaled to [−1, 1]',
    );
  }
  assert.ok(j.images.every((i: { x: number; y: number }) => Number.isFinite(i.x) && Number.isFinite(i.y)));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')), j);
  for (const g of j.groups) assert.ok(fs.statSync(path.join(out, `cluster-${g.cluster}.mean.png`)).size > 100);
  assert.ok(fs.statSync(path.join(out, 'embedding.png')).size > 100);
  const again = await cli(...args);
  assert.deepEqual(JSON.parse(again.out), j, 'seeded: k-means and the embedding repeat');
  const tsne = await cli(...args, '--embedding', 'tsne', '--clusters', '2');
  const t = JSON.parse(tsne.out);
  assert.equal(t.clusters, 2, '--clusters N');
  assert.notDeepEqual(
    t.images.map((i: { x: number }) => i.x),
    j.images.map((i: { x: number }) => i.x),
  );
});

test('spray: bad arguments exit 2 with one line naming the problem', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'spray-few-'));
  fs.copyFileSync(path.join(IMAGES, 'square-1.png'), path.join(empty, 'a.png'));
  for (const [args, message] of [
    [['spray', MODEL, IMAGES], "model-lens: spray needs --class C: a class index or one of the model's labels"],
    [['spray', MODEL, IMAGES, '--class', 'hexagon'], `model-lens: --class "hexagon" is not one of ${MODEL}'s labels (circle, square, triangle, cross)`],
    [['spray', MODEL, IMAGES, '--class', '7'], `model-lens: --class 7: ${MODEL} has 4 classes (0..3)`],
    [['spray', MODEL, IMAGES, '--class', '1', '--embedding', 'pca'], 'model-lens: --embedding must be umap or tsne (got "pca")'],
    [['spray', MODEL, empty, '--class', '1'], `model-lens: ${empty}: 1 image for --neighbours 10; SpRAy needs more images than neighbours`],
    [
      ['spray', MODEL, path.join(IMAGES, 'square-1.png'), '--class', '1'],
      `model-lens: ${path.join(IMAGES, 'square-1.png')}: not a folder (spray reads every image below a folder)`,
    ],
  ] as const) {
    const r = await cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err, message);
  }
});

test('SpRAy with LRP: the batched maps (one LRP graph for a batch) are the maps image by image — the same clusters, eigenvalues and mean maps', async () => {
  const { runSpray, SPRAY_DEFAULTS } = await import('../../src/core/spray/spray-run');
  const { initEngine } = await import('../../src/core/engine/backend');
  await initEngine({ backend: 'wasm' });
  const run = (batchSize: number) => runSpray({ ...SPRAY_DEFAULTS, model: MODEL, folder: IMAGES, classArg: 'square', neighbours: 5, batchSize });
  const one = await run(1);
  const batched = await run(8);
  assert.deepEqual(
    batched.images.map((i) => i.cluster),
    one.images.map((i) => i.cluster),
  );
  for (let k = 0; k < 10; k++) assert.ok(Math.abs(batched.eigenvalues[k] - one.eigenvalues[k]) < 1e-6, `λ${k}`);
  one.groups.forEach((g, k) => {
    const d = Math.max(...g.meanMap.values.map((v, i) => Math.abs(v - batched.groups[k].meanMap.values[i])));
    assert.ok(d < 1e-4, `cluster ${k}: mean maps differ by ${d}`);
  });
});
