import { initEngine } from '../src/core/engine/backend';
import { mobileNetV2 } from '../bench/lib/mobilenet-v2';
(async () => { await initEngine({ backend: 'cpu' }); const m = mobileNetV2();
 const total = m.layers.reduce((a, l) => a + l.outputShape.slice(1).reduce((x, y) => x * (y ?? 1), 1), 0);
 console.log(m.layers.length, 'layers', total, 'floats', (total * 4 / 1e6).toFixed(1), 'MB per image'); })();
