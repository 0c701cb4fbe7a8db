import { makeDataset } from '../demo/scripts/lib/shapes';
let t = Date.now(); makeDataset(100, 1, 0.85); console.log('100 samples', Date.now() - t, 'ms');
