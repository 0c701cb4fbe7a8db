// `model-lens spray <model> <folder> --class C`: spectral relevance analysis over a folder (core/spray/):
// the class's heat maps clustered, the eigengap's number of clusters, a 2-D embedding, each cluster's mean map.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initEngine, isBackendName } from '../core/engine/backend';
import { InputError } from '../core/errors';
import { isMethod, methodSpec, METHODS, type MethodName } from '../core/explain/specs';
import { encodePng } from '../core/image/overlay';
import { embeddingImage, meanMapImage } from '../core/spray/render';
import { EMBEDDINGS, runSpray, SPRAY_DEFAULTS, type Embedding, type SprayResult } from '../core/spray/spray-run';
import { intOption, parse } from './args';
import { fromWorker, pieces, restartNote, withPool, workerCount } from './cli-pool';
import { paramOptions, paramsFrom } from './explain-command';
import { progressReporter } from './knowledge-command';

export const SPRAY_OPTIONS = {
  class: { type: 'string' },
  method: { type: 'string', default: SPRAY_DEFAULTS.method },
  grid: { type: 'string' },
  neighbours: { type: 'string' },
  clusters: { type: 'string', default: 'auto' },
  embedding: { type: 'string', default: SPRAY_DEFAULTS.embedding },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
} as const;

/** The JSON of a result: maps as plain arrays. */
export function sprayJson(r: SprayResult) {
  return { ...r, groups: r.groups.map((g) => ({ ...g, meanMap: { ...g.meanMap, values: Array.from(g.meanMap.values) } })) };
}

export async function sprayCommand(args: string[], stdout: (s: string) => void, stderr: (s: string) => void = () => {}): Promise<number> {
  const { values: v, positionals } = parse(args, { ...paramOptions(), ...SPRAY_OPTIONS });
  if (positionals.length !== 2) throw new InputError('usage: model-lens spray <model> <folder> --class C [options] (see model-lens spray --help)');
  const [modelPath, folder] = positionals;
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new InputError(`${folder}: not a folder (spray reads every image below a folder)`);
  const classArg = v.class as string | undefined;
  if (classArg === undefined) throw new InputError("spray needs --class C: a class index or one of the model's labels");
  const method = v.method as string;
  if (!isMethod(method)) throw new InputError(`--method must be one of ${METHODS.join(', ')} (got "${method}")`);
  const embedding = v.embedding as string;
  if (!(EMBEDDINGS as readonly string[]).includes(embedding)) throw new InputError(`--embedding must be ${EMBEDDINGS.join(' or ')} (got "${embedding}")`);
  const clustersArg = v.clusters as string;
  const clusters = clustersArg === 'auto' ? undefined : intOption(clustersArg, 'clusters', 1);
  const backendArg = v.backend as string | undefined;
  if (backendArg !== undefined && !isBackendName(backendArg)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backendArg}")`);
  const grid = intOption(v.grid as string | undefined, 'grid', 2) ?? SPRAY_DEFAULTS.grid;
  const neighbours = intOption(v.neighbours as string | undefined, 'neighbours', 1) ?? SPRAY_DEFAULTS.neighbours;
  const seed = intOption(v.seed as string | undefined, 'seed', 0) ?? SPRAY_DEFAULTS.seed;
  await initEngine({ backend: backendArg as never });
  // --seed seeds k-means and the embedding, and a noise method's samples too.
  const params = paramsFrom(v);
  const report = progressReporter('model-lens spray', stderr);
  const options = {
    model: modelPath,
    folder,
    classArg,
    method: method as MethodName,
    grid,
    neighbours,
    clusters,
    embedding: embedding as Embedding,
    seed,
    params,
    onProgress: report,
  };
  const workers = workerCount(v.workers as string | undefined, 'spray', backendArg, stderr);
  // With a pool, the maps (nearly all the time) are computed by the workers, a piece of the folder each;
  // the graph, the eigenvectors, k-means and the embedding here.
  const result =
    workers > 1
      ? await withPool(workers, backendArg, (pool) =>
          runSpray({
            ...options,
            mapsOf: async (files, target) => {
              const parts = pieces(files, pool.size, 4);
              let done = 0;
              const maps = await pool
                .map(parts, 'sprayMaps', (part) => ({ model: modelPath, files: part, target, method: method as MethodName, grid, params }), {
                  onResult: (k) => report((done += parts[k].length), files.length),
                })
                .catch((e) => {
                  throw fromWorker(e, folder);
                });
              const note = restartNote('spray', pool, 'share');
              if (note) stderr(note);
              return maps.flat();
            },
          }),
        )
      : await runSpray(options);
  const json = sprayJson(result);
  const out = v.out as string | undefined;
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(json, null, 2) + '\n');
    for (const g of result.groups)
      fs.writeFileSync(path.join(out, `cluster-${g.cluster}.mean.png`), encodePng(meanMapImage(g.meanMap, methodSpec(result.method).signed)));
    fs.writeFileSync(path.join(out, 'embedding.png'), encodePng(embeddingImage(result.images)));
  }
  if (v.json) {
    stdout(JSON.stringify(json));
    return 0;
  }
  const name = result.label !== undefined ? `${result.class} (${result.label})` : String(result.class);
  stdout(
    `class ${name}, ${result.method}: ${result.images.length} images in ${result.clusters} clusters (${clustersArg === 'auto' ? 'the eigengap' : '--clusters'})`,
  );
  stdout(`smallest eigenvalues: ${result.eigenvalues.map((e) => e.toFixed(4)).join(' ')}`);
  for (const g of [...result.groups].sort((a, b) => a.size - b.size)) {
    const members = result.images.filter((i) => i.cluster === g.cluster).map((i) => i.image);
    const shown = members.slice(0, 5).map((m) => path.relative(folder, m));
    stdout(`  cluster ${g.cluster}: ${g.size} image${g.size === 1 ? '' : 's'} — ${shown.join(', ')}${members.length > 5 ? ', …' : ''}`);
  }
  if (out) stdout(`written to ${out}: results.json, cluster-<k>.mean.png, embedding.png`);
  return 0;
}
