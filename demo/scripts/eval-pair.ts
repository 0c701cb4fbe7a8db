// npm run eval:pair — for each pair method, the share of map mass inside the object box over two
// augmented views of each clean demo test image: the trained self-supervised encoder beside a
// randomly initialised encoder of the same architecture and the box's share of the image area.
import type * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../src/core/engine/backend';
import type { Similarity } from '../../src/core/explain/pair/embedding';
import { isPairMethod, PAIR_METHODS, type PairMethodName } from '../../src/core/explain/pair/types';
import { LayersInspectableModel } from '../../src/core/model/layers-model';
import { loadModel } from '../../src/core/model/load';
import { demoEncoder } from './lib/demo-files';
import { boxAreaShare, describeSetting, EVAL_VARIANTS, evaluatePairs, type PairEvaluation } from './lib/evaluate-pair';
import { buildEncoder } from './lib/encoder';

async function main(): Promise<void> {
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const methods = (flag('methods')?.split(',') ?? [...PAIR_METHODS]).filter(isPairMethod) as PairMethodName[];
  const num = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  const override = {
    similarity: flag('similarity') as Similarity | undefined,
    embedding: flag('embedding'),
    window: num('window'),
    stride: num('stride'),
    temperature: num('temperature'),
    assign: flag('assign') as 'both' | 'smaller-norm' | undefined,
  };
  const limit = num('images') ?? Infinity;
  const backend = await initEngine();
  const started = Date.now();
  const trainedModel = await loadModel(flag('encoder') ?? demoEncoder());
  const randomModel = new LayersInspectableModel('random encoder', buildEncoder(7) as tfl.LayersModel);
  const trained = await evaluatePairs(trainedModel, methods, override, undefined, limit);
  const random = await evaluatePairs(randomModel, methods, override, undefined, limit);
  const area = boxAreaShare();
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const row = (label: string, t: PairEvaluation, r: PairEvaluation) => [
    label,
    describeSetting(t.setting, t.method),
    pct(t.massInBox),
    pct(r.massInBox),
    pct(area),
    `${(t.massInBox / Math.max(r.massInBox, area)).toFixed(2)}×`,
  ];
  const rows = methods.map((m, i) => row(m, trained[i], random[i]));
  // Variants of the methods asked for, unless a flag already overrides the settings.
  const overridden = Object.values(override).some((v) => v !== undefined);
  const variants = overridden ? [] : EVAL_VARIANTS.filter((v) => methods.includes(v.method));
  for (const v of variants) {
    const [t] = await evaluatePairs(trainedModel, [v.method], v.setting, undefined, limit);
    const [r] = await evaluatePairs(randomModel, [v.method], v.setting, undefined, limit);
    rows.push(row(`${v.method}*`, t, r));
  }
  console.log(`backend ${backend}; ${trained[0]?.images ?? 0} clean test images × 2 views; box share of the image area ${pct(area)}\n`);
  const head = ['method', 'similarity · embedding · window', 'trained encoder', 'random encoder', 'box area', 'trained / best baseline'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  for (const r of [head, ...rows]) console.log(r.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
  if (variants.length) console.log(`\n* variants: ${variants.map((v) => `${describeSetting(v.setting, v.method)} (${v.note})`).join('; ')}`);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
