/** Each pair method's computation under the name its spec (specs.ts) declares: one line per method. */
import { averagedTransforms } from './averaged-transforms';
import { interactionCam } from './interaction-cam';
import { conditionalOcclusion, contextAgnosticOcclusion } from './occlusion';
import { pairwiseOcclusion } from './pairwise';
import type { PairMethodName } from './specs';
import type { PairMethod } from './types';

export const PAIR_METHOD_TABLE: Record<PairMethodName, PairMethod> = {
  conditional: conditionalOcclusion,
  'context-agnostic': contextAgnosticOcclusion,
  pairwise: pairwiseOcclusion,
  'interaction-cam': interactionCam,
  'averaged-transforms': averagedTransforms,
};
