import type { AugmentOp } from '../../image/augment';
import type { TransformName } from './specs';

/** Averaged transforms' T, as augmentations (seeded like every other): one line per transform named in specs.ts. */
export const TRANSFORM_OPS: Record<TransformName, (height: number, width: number) => AugmentOp[]> = {
  jitter: () => [{ kind: 'jitter', strength: 0.8 }],
  blur: (height, width) => [{ kind: 'blur', sigma: Math.max(1, Math.min(height, width) / 32) }],
  gray: () => [{ kind: 'gray' }],
  solarize: () => [{ kind: 'solarize', threshold: 0.5 }],
};
