// The cluster recipes of docs/deploy/ and the Dockerfile, run here as far as a machine without a
// cluster can: the manifest's and the script's own command lines are executed with the environment
// Kubernetes and Slurm would give them, and the image's file list is enough to run the command line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

const repo = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-deploy-'));
const demoModelDir = path.join(repo, 'demo', 'models', 'shapes');
const demoImages = path.join(repo, 'demo', 'images');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };

/** A `model-lens` on the PATH that is this repository's command line. */
const shimDir = path.join(tmp, 'bin');
fs.mkdirSync(shimDir);
fs.writeFileSync(path.join(shimDir, 'model-lens'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(repo, 'bin', 'model-lens.js')}" "$@"\n`, {
  mode: 0o755,
});
const PATH = `${shimDir}${path.delimiter}${process.env.PATH}`;

/** The data volume: the demo model and eight of its images. */
const data = path.join(tmp, 'data');
fs.mkdirSync(path.join(data, 'images'), { recursive: true });
fs.cpSync(demoModelDir, path.join(data, 'model'), { recursive: true });
const images = fs
  .readdirSync(demoImages)
  .filter((f) => f.endsWith('.png'))
  .sort()
  .slice(0, 8);
for (const f of images) fs.copyFileSync(path.join(demoImages, f), path.join(data, 'images', f));

function sh(script: string, env: Record<string, string>) {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH, ...env } });
  assert.equal(r.status, 0, `${script}\n${r.stderr}`);
  return r;
}

/** An output folder's files but the cache and the run times. */
function outputOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    let text = fs.readFileSync(path.join(dir, name)).toString(name.endsWith('.png') ? 'base64' : 'utf8');
    if (name === 'summary.csv') text = text.replace(/,[\d.]+,(probability|log-probability|logit)$/gm, ',T,$1');
    if (name === 'results.json') text = text.replace(/"timeMs":[\d.e+-]+/g, '"timeMs":0');
    out[name] = text;
  }
  return out;
}

function unsharded(imagesDir: string, extra: string[] = []): Record<string, string> {
  const out = path.join(tmp, `unsharded-${path.basename(path.dirname(imagesDir))}-${extra.join('')}`);
  sh(`model-lens explain "${path.join(data, 'model', 'model.json')}" "${imagesDir}" --out "${out}" --workers 1 ${extra.join(' ')}`, {});
  return outputOf(out);
}

test('the Kubernetes Indexed Job: an indexed Job whose pods run explain --shard INDEX+1/completions; its command, run for every index, then the merge Job, gives the unsharded result', () => {
  const manifest = (name: string) => parseAllDocuments(fs.readFileSync(path.join(repo, 'docs', 'deploy', name), 'utf8')).map((d) => d.toJS());
  const [job, ...more] = manifest('k8s-indexed-job.yaml');
  const [merge, ...more2] = manifest('k8s-merge-job.yaml');
  assert.deepEqual([more, more2], [[], []], 'one Job per file');
  assert.deepEqual([job.apiVersion, job.kind, job.spec.completionMode], ['batch/v1', 'Job', 'Indexed']);
  const container = job.spec.template.spec.containers[0];
  const env = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
  assert.equal(Number(env.SHARDS), job.spec.completions, 'SHARDS is the number of completions');
  assert.equal(container.image, `model-lens:${pkg.version}`, 'the image the Dockerfile says to build');
  assert.equal(merge.spec.template.spec.containers[0].image, container.image);
  const script = (container.command as string[]).concat(container.args as string[]);
  assert.deepEqual(script.slice(0, 2), ['sh', '-c']);
  assert.match(script[2], /^exec model-lens explain .* --shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/\$\{SHARDS\}"/);
  // The volumes' mount paths become this machine's folders.
  const mounts = Object.fromEntries((container.volumeMounts as { name: string; mountPath: string }[]).map((m) => [m.name, m.mountPath]));
  const out = path.join(tmp, 'k8s-out');
  const local = (s: string) => s.replaceAll(mounts.data, data).replaceAll(mounts.out, out);
  for (let index = 0; index < job.spec.completions; index++) sh(local(script[2]), { ...env, JOB_COMPLETION_INDEX: String(index) });
  assert.deepEqual(fs.readdirSync(out).sort(), ['shard-1', 'shard-2', 'shard-3', 'shard-4']);
  const mergeContainer = merge.spec.template.spec.containers[0];
  const mergeScript = (mergeContainer.command as string[]).concat(mergeContainer.args as string[]);
  sh(local(mergeScript[2]), {});
  assert.deepEqual(outputOf(path.join(out, 'merged')), unsharded(path.join(data, 'images'), ['--method', 'gradcam']));
});

test('the Slurm array script: shard K of N counted from 1 whatever the array numbers; its tasks merged give the unsharded result', () => {
  const script = path.join(repo, 'docs', 'deploy', 'slurm-array.sh');
  const text = fs.readFileSync(script, 'utf8');
  assert.match(text, /^#SBATCH --array=1-4$/m);
  // The arithmetic, with a stand-in command line that prints its arguments.
  const echo = path.join(tmp, 'echo-args.sh');
  fs.writeFileSync(echo, '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
  const argsOf = (env: Record<string, string>) =>
    spawnSync('bash', [script, 'm.json', 'imgs', 'out', '--method', 'layercam'], { encoding: 'utf8', env: { ...process.env, MODEL_LENS: echo, ...env } });
  for (const [id, min, count, want] of [
    ['1', '1', '4', '1/4'],
    ['4', '1', '4', '4/4'],
    ['0', '0', '2', '1/2'],
    ['7', '5', '3', '3/3'],
  ]) {
    const r = argsOf({ SLURM_ARRAY_TASK_ID: id, SLURM_ARRAY_TASK_MIN: min, SLURM_ARRAY_TASK_COUNT: count, SLURM_CPUS_PER_TASK: '2' });
    const k = want.split('/')[0];
    assert.equal(r.stdout.trim(), `explain m.json imgs --shard ${want} --out out/shard-${k} --workers 2 --method layercam`, `task ${id} of ${min}..`);
  }
  // Without a count (older Slurm), from the maximum.
  assert.equal(argsOf({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' }).stdout.trim().split(' ')[4], '2/3');
  const outside = argsOf({ SLURM_ARRAY_TASK_ID: '' });
  assert.equal(outside.status, 1);
  assert.match(outside.stderr, /run this script with sbatch --array \(SLURM_ARRAY_TASK_ID is not set\)/);
  // For real: an array of three, then the merge.
  const out = path.join(tmp, 'slurm-out');
  for (const id of ['1', '2', '3'])
    sh(`bash "${script}" "${path.join(data, 'model', 'model.json')}" "${path.join(data, 'images')}" "${out}"`, {
      SLURM_ARRAY_TASK_ID: id,
      SLURM_ARRAY_TASK_MIN: '1',
      SLURM_ARRAY_TASK_COUNT: '3',
    });
  sh(`model-lens merge "${out}"/shard-* --out "${out}/merged"`, {});
  assert.deepEqual(outputOf(path.join(out, 'merged')), unsharded(path.join(data, 'images')));
});

test("the Dockerfile: Node of the engines' major version, npm ci, and the files it copies into the image are enough to run the command line", () => {
  const text = fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
  const major = /(\d+)/.exec(pkg.engines.node)![1];
  const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length === 2 && froms.every((f) => f.startsWith(`node:${major}-`)), froms.join(', '));
  assert.match(text, /^RUN npm ci /m);
  assert.match(text, /^ENTRYPOINT \["model-lens"\]$/m);
  assert.match(text, new RegExp(`docker build -t model-lens:${pkg.version.replaceAll('.', '\\.')} \\.`));
  // The runtime stage, rebuilt in a folder from this repository's build: each COPY --from=build source to its destination.
  const root = path.join(tmp, 'image', 'opt', 'model-lens');
  fs.mkdirSync(root, { recursive: true });
  for (const m of text.matchAll(/^COPY --from=build (.+)$/gm)) {
    const parts = m[1].trim().split(/\s+/);
    const dest = parts.pop()!;
    for (const src of parts) {
      const from = path.join(repo, path.relative('/src', src));
      assert.ok(fs.existsSync(from), `${src} is built (npm run build)`);
      const to = dest.endsWith('/') ? path.join(root, dest, path.basename(from)) : path.join(root, dest);
      fs.cpSync(from, to, { recursive: true });
    }
  }
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'bin', 'model-lens.js'),
      'explain',
      path.join(data, 'model', 'model.json'),
      path.join(data, 'images'),
      '--out',
      path.join(tmp, 'image-out'),
      '--workers',
      '2',
    ],
    {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, NODE_PATH: '' },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(outputOf(path.join(tmp, 'image-out')), unsharded(path.join(data, 'images')));
});
