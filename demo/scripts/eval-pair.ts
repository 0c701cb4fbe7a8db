// npm run eval:pair — for each pair method, the share of map mass inside the object box over two
// augmented views of each clean demo test image: the trained self-supervised encoder beside a
// randomly initialised encoder of the same architecture and the box's share of the image area.
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../src/core/engine/backend';
import type { Similarity } from '../../src/core/explain/pair/embedding';
import { isPairMethod, PAIR_METHODS, type PairMethodName } from '../../src/core/explain/pair/types';
import { LayersInspectableModel } from '../../src/core/model/layers-model';
import { loadModel } from '../../src/core/model/load';
import { demoEncoder } from './lib/demo-files';
import { boxAreaShare, EVAL_WINDOW, evaluatePairs } from './lib/evaluate-pair';
import { buildEncoder } from './lib/encoder';

async function main(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--methods='));
  const methods = (arg ? arg.slice('--methods='.length).split(',') : [...PAIR_METHODS]).filter(isPairMethod) as PairMethodName[];
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const params = { ...EVAL_WINDOW, ...(flag('window') ? { window: Number(flag('window')) } : {}), ...(flag('stride') ? { stride: Number(flag('stride')) } : {}) };
  const backend = await initEngine();
  const started = Date.now();
  const trained = await evaluatePairs(await loadModel(flag('encoder') ?? demoEncoder()), methods, params, undefined, Infinity, (flag('similarity') ?? 'cosine') as Similarity, flag('embedding'));
  const random = await evaluatePairs(new LayersInspectableModel('random encoder', buildEncoder(7) as tfl.LayersModel), methods, params, undefined, Infinity, (flag('similarity') ?? 'cosine') as Similarity, flag('embedding'));
  const area = boxAreaShare();
  console.log(`backend ${backend}; ${trained[0]?.images ?? 0} clean test images × 2 views; box share of the image area ${(100 * area).toFixed(1)}%${Object.keys(params).length ? `; ${JSON.stringify(params)}` : ''}\n`);
  console.log('method                 trained encoder  random encoder  box area  trained / area');
  for (let i = 0; i < methods.length; i++) {
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
    console.log(`${methods[i].padEnd(21)}  ${pct(trained[i].massInBox).padStart(15)}  ${pct(random[i].massInBox).padStart(14)}  ${pct(area).padStart(8)}  ${(trained[i].massInBox / area).toFixed(2).padStart(14)}×`);
  }
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
