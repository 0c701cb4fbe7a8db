// npm run eval:demo — the pointing game of Grad-CAM on the demo model (and of other methods with
// --methods a,b,c), beside a centre-point baseline, and where the maps of watermarked images point.
import { initEngine } from '../../src/core/engine/backend';
import { isMethod, type MethodName } from '../../src/core/explain/types';
import { evaluateDemo } from './lib/evaluate';

async function main(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--methods='));
  const methods = (arg ? arg.slice('--methods='.length).split(',') : ['gradcam']).filter(isMethod) as MethodName[];
  const backend = await initEngine();
  console.log(`backend: ${backend}`);
  console.log('method           clean  accuracy  pointing game  centre baseline  watermarked  max on watermark  predicted "square"');
  for (const method of methods) {
    const e = await evaluateDemo(method);
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(6);
    console.log(
      `${method.padEnd(15)}  ${String(e.clean).padStart(5)}  ${pct(e.accuracy).padStart(8)}  ${pct(e.pointingGame).padStart(13)}  ${pct(e.centreBaseline).padStart(15)}  ${String(e.watermarked).padStart(11)}  ${pct(e.onWatermark).padStart(16)}  ${pct(e.watermarkedPredictedShortcut).padStart(18)}`,
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
