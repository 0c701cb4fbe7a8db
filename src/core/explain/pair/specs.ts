/**
 * What Model Lens knows about each pair (self-supervised) method and its options, declared once:
 * the pair panel, its validator, the CLI's parser and help derive from this list. Pure data (no
 * TensorFlow.js). Each method's computation is listed in registry.ts under the same name.
 */

/** sim(e₁, e₂): cosine, dot product or negative L2 distance (embedding.ts computes them). */
export const SIMILARITIES = ['cosine', 'dot', 'l2'] as const;
export type Similarity = (typeof SIMILARITIES)[number];
export const SIMILARITY_TITLES: Record<Similarity, string> = { cosine: 'cosine', dot: 'dot product', l2: 'negative L2' };

/** Averaged transforms' T (explain-pair.ts turns each into augmentations). */
export const TRANSFORMS = ['jitter', 'blur', 'gray', 'solarize'] as const;
export type TransformName = (typeof TRANSFORMS)[number];
export const TRANSFORM_TITLES: Record<TransformName, string> = { jitter: 'colour jitter', blur: 'blur', gray: 'grayscale', solarize: 'solarise' };

/** Interaction-CAM's joint channel weight: GAP (mean) or GMP (max). */
export const JOINTS = ['mean', 'max'] as const;
export type Joint = (typeof JOINTS)[number];
export const JOINT_TITLES: Record<Joint, string> = { mean: 'mean (GAP)', max: 'max (GMP)' };

/** Pairwise occlusion: each trial's weight to both views, or to the view with the smaller erased-embedding norm. */
export const ASSIGNS = ['both', 'smaller-norm'] as const;
export type Assign = (typeof ASSIGNS)[number];
export const ASSIGN_TITLES: Record<Assign, string> = { both: 'both views', 'smaller-norm': 'the view with the smaller embedding norm' };

export type PairParamName = 'window' | 'stride' | 'samples' | 'temperature' | 'assign' | 'joint' | 'transform' | 'seed' | 'batchSize';

export interface PairMethodSpec {
  name: string;
  title: string;
  family: 'perturbation' | 'cam' | 'gradient';
  /** Needs gradients of the encoder. */
  gradients: boolean;
  /** Runs a loop of batched passes a pool can share out (core/explain/split.ts). */
  batched: boolean;
  /** Reads a 4-D feature layer (the panel offers one; the CLI's --layer applies). */
  layer: boolean;
  /** Views passed through the encoder per occlusion (the memory one batch item needs, in images). */
  viewsPerItem: number;
  /** Reads T(a) and T(b) as well as the views. */
  transformed: boolean;
  /** Reports how many of its random trials carry the weight (pairwise occlusion). */
  trials: boolean;
  /** What the signed colour scale means: − end, 0, + end. */
  legend: readonly [string, string, string];
  params: readonly PairParamName[];
}

const DROP_LEGEND = ['− (raises similarity when hidden)', '0', '+ (lowers it)'] as const;

export const PAIR_METHOD_SPECS = [
  {
    name: 'conditional',
    title: 'Conditional occlusion',
    family: 'perturbation',
    gradients: false,
    batched: true,
    layer: false,
    viewsPerItem: 1,
    transformed: false,
    trials: false,
    legend: DROP_LEGEND,
    params: ['window', 'stride', 'seed', 'batchSize'],
  },
  {
    name: 'context-agnostic',
    title: 'Context-agnostic occlusion',
    family: 'perturbation',
    gradients: false,
    batched: true,
    layer: false,
    viewsPerItem: 2,
    transformed: false,
    trials: false,
    legend: ['− (the patch points away from the other view)', '0', '+ (towards it)'],
    params: ['window', 'stride', 'seed', 'batchSize'],
  },
  {
    name: 'pairwise',
    title: 'Pairwise occlusion',
    family: 'perturbation',
    gradients: false,
    batched: true,
    layer: false,
    viewsPerItem: 1,
    transformed: false,
    trials: true,
    legend: DROP_LEGEND,
    params: ['samples', 'temperature', 'assign', 'seed', 'batchSize'],
  },
  {
    name: 'interaction-cam',
    title: 'Interaction-CAM',
    family: 'cam',
    gradients: true,
    batched: false,
    layer: true,
    viewsPerItem: 1,
    transformed: false,
    trials: false,
    legend: DROP_LEGEND,
    params: ['joint', 'seed'],
  },
  {
    name: 'averaged-transforms',
    title: 'Averaged transforms',
    family: 'gradient',
    gradients: true,
    batched: true,
    layer: false,
    viewsPerItem: 1,
    transformed: true,
    trials: false,
    legend: DROP_LEGEND,
    params: ['transform', 'seed'],
  },
] as const satisfies readonly PairMethodSpec[];

export type PairMethodName = (typeof PAIR_METHOD_SPECS)[number]['name'];
export const PAIR_METHODS: readonly PairMethodName[] = PAIR_METHOD_SPECS.map((m) => m.name);
/** The method a new pair panel starts with. */
export const DEFAULT_PAIR_METHOD: PairMethodName = PAIR_METHOD_SPECS[0].name;

export function isPairMethod(name: string): name is PairMethodName {
  return (PAIR_METHODS as readonly string[]).includes(name);
}

export function pairMethodSpec(name: PairMethodName): PairMethodSpec {
  return PAIR_METHOD_SPECS.find((m) => m.name === name)!;
}
