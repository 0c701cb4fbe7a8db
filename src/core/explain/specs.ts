/**
 * What Model Lens knows about each explanation method, declared once: the webviews, the CLI's
 * parser and help, the message validators and package.json's enum all derive from this list.
 * Pure data (no TensorFlow.js): the host and the webviews import it. A method's computation lives
 * in its own file, listed in registry.ts under the same name. docs/ARCHITECTURE.md: "Add a method".
 */

/** The baselines ("no information" values) of IG and occlusion; computed in baseline.ts. */
export const BASELINES = ['zero', 'mean', 'blur'] as const;
export type Baseline = (typeof BASELINES)[number];

/** LRP's rule presets (lrp/lrp.ts): which rule each kind of layer takes. */
export const LRP_RULES = ['composite', 'epsilon', 'zplus', 'alphabeta'] as const;
export type LrpRule = (typeof LRP_RULES)[number];

export interface NumberParamSpec {
  kind: 'int' | 'number';
  /** Command-line flag, without the dashes. */
  flag: string;
  /** Panel label. */
  label: string;
  min: number;
  /** Upper bound the panels and their validators hold to (the CLI checks only `min` for integers). */
  max: number;
  default?: number;
  help: string;
}
export interface ChoiceParamSpec {
  kind: 'choice';
  flag: string;
  label: string;
  choices: readonly string[];
  default: string;
  help: string;
}
export type ParamSpec = NumberParamSpec | ChoiceParamSpec;

/** Every knob of every method (Captum-style: one vocabulary, each method reads the ones it lists). */
export const METHOD_PARAMS = {
  steps: { kind: 'int', flag: 'steps', label: 'Steps', min: 1, max: 1e6, default: 50, help: 'Integrated Gradients: steps m of the path integral' },
  samples: { kind: 'int', flag: 'samples', label: 'Samples', min: 1, max: 1e6, default: 25, help: 'SmoothGrad: noisy samples n' },
  noise: { kind: 'number', flag: 'noise', label: 'Noise', min: 0, max: 10, default: 0.15, help: "SmoothGrad: σ as a share of the input's range" },
  window: { kind: 'int', flag: 'window', label: 'Window', min: 1, max: 1e6, help: 'occlusion: window side in input pixels (default: EXPLAIN.md)' },
  stride: { kind: 'int', flag: 'stride', label: 'Stride', min: 1, max: 1e6, help: 'occlusion: stride in input pixels (default: EXPLAIN.md)' },
  baseline: {
    kind: 'choice',
    flag: 'baseline',
    label: 'Baseline',
    choices: BASELINES,
    default: 'zero',
    help: 'IG and occlusion: the value standing for no information',
  },
  seed: { kind: 'int', flag: 'seed', label: 'Seed', min: 0, max: 1e6, default: 0, help: 'random seed of noise methods' },
  lrpRule: {
    kind: 'choice',
    flag: 'lrp-rule',
    label: 'LRP rule',
    choices: LRP_RULES,
    default: 'composite',
    help: 'LRP: composite (bounded at the input, z⁺ for convolutions, ε for dense layers), ε, z⁺ or αβ everywhere',
  },
  epsilon: {
    kind: 'number',
    flag: 'epsilon',
    label: 'ε',
    min: 0,
    max: 1e6,
    default: 1e-6,
    help: "LRP: the ε rule's stabiliser (larger keeps only the strongest evidence)",
  },
  lrpAlpha: {
    kind: 'number',
    flag: 'lrp-alpha',
    label: 'α',
    min: 1,
    max: 100,
    default: 2,
    help: 'LRP αβ rule: weight of the positive contributions (α − β = 1)',
  },
  lrpBeta: { kind: 'number', flag: 'lrp-beta', label: 'β', min: 0, max: 99, default: 1, help: 'LRP αβ rule: weight of the negative contributions' },
  batchSize: { kind: 'int', flag: 'batch-size', label: 'Batch size', min: 1, max: 1e6, help: 'passes per batch (default: sized to memory)' },
} as const satisfies Record<string, ParamSpec>;
export type ParamName = keyof typeof METHOD_PARAMS;

/** Every knob's value; each method reads the ones its spec lists. */
export interface MethodParams {
  steps: number;
  samples: number;
  noise: number;
  /** Occlusion window and stride in input pixels; undefined = the EXPLAIN.md defaults. */
  window?: number;
  stride?: number;
  baseline: Baseline;
  seed: number;
  /** Forward/backward passes per batch for perturbation and noise methods. */
  batchSize: number;
  lrpRule: LrpRule;
  epsilon: number;
  lrpAlpha: number;
  lrpBeta: number;
}

export type MethodFamily = 'cam' | 'gradient' | 'perturbation' | 'model-free';

export interface MethodSpec {
  name: string;
  title: string;
  /** cam: a map at a chosen layer (the panel offers a layer); gradient: at the input; perturbation: by hiding parts; model-free: the input alone (the sanity check's baseline). */
  family: MethodFamily;
  /** Needs gradients of the model (the backend must have the gradient kernels). */
  gradients: boolean;
  /** Runs many passes in batches (its batch size is a parameter, sized to memory). */
  batched: boolean;
  /** What a batched method's passes are, one each: occlusion windows, the CAM layer's channels, noisy samples, path steps. */
  passes?: 'windows' | 'channels' | 'samples' | 'steps';
  /** The map has a sign (shown with a diverging colormap around 0). */
  signed: boolean;
  /** Percentile of |v| at which the display map is clipped (EXPLAIN.md: 99 for gradient maps); none = min–max. */
  clipPercentile?: number;
  params: readonly ParamName[];
  help: string;
}

export const METHOD_SPECS = [
  { name: 'gradcam', title: 'Grad-CAM', family: 'cam', gradients: true, batched: false, signed: false, params: [], help: 'ReLU(Σ_c mean(∂y/∂A_c)·A_c)' },
  {
    name: 'gradcam++',
    title: 'Grad-CAM++',
    family: 'cam',
    gradients: true,
    batched: false,
    signed: false,
    params: [],
    help: 'Grad-CAM with second-order channel weights',
  },
  {
    name: 'xgradcam',
    title: 'XGrad-CAM',
    family: 'cam',
    gradients: true,
    batched: false,
    signed: false,
    params: [],
    help: 'channel weights normalised by the activations',
  },
  { name: 'hirescam', title: 'HiResCAM', family: 'cam', gradients: true, batched: false, signed: false, params: [], help: 'ReLU(Σ_c G_c⊙A_c)' },
  {
    name: 'gradcam-elementwise',
    title: 'Element-wise Grad-CAM',
    family: 'cam',
    gradients: true,
    batched: false,
    signed: false,
    params: [],
    help: 'Σ_c ReLU(G_c⊙A_c)',
  },
  { name: 'layercam', title: 'LayerCAM', family: 'cam', gradients: true, batched: false, signed: false, params: [], help: 'Σ_c ReLU(G_c)⊙A_c' },
  {
    name: 'scorecam',
    title: 'Score-CAM',
    family: 'cam',
    gradients: false,
    batched: true,
    passes: 'channels',
    signed: false,
    params: ['batchSize'],
    help: 'channel weights from the score of masked inputs',
  },
  {
    name: 'ablationcam',
    title: 'Ablation-CAM',
    family: 'cam',
    gradients: false,
    batched: true,
    passes: 'channels',
    signed: false,
    params: ['batchSize'],
    help: 'channel weights from the drop when a channel is zeroed',
  },
  {
    name: 'eigencam',
    title: 'Eigen-CAM',
    family: 'cam',
    gradients: false,
    batched: false,
    signed: false,
    params: [],
    help: "the activations' first principal component",
  },
  {
    name: 'eigengradcam',
    title: 'EigenGrad-CAM',
    family: 'cam',
    gradients: true,
    batched: false,
    signed: false,
    params: [],
    help: 'the first principal component of G⊙A',
  },
  {
    name: 'guided-gradcam',
    title: 'Guided Grad-CAM',
    family: 'cam',
    gradients: true,
    batched: false,
    signed: false,
    clipPercentile: 99,
    params: [],
    help: 'Grad-CAM times guided backpropagation',
  },
  {
    name: 'saliency',
    title: 'Saliency',
    family: 'gradient',
    gradients: true,
    batched: false,
    signed: false,
    clipPercentile: 99,
    params: [],
    help: 'max over channels of |∂y/∂x|',
  },
  {
    name: 'gradxinput',
    title: 'Gradient × Input',
    family: 'gradient',
    gradients: true,
    batched: false,
    signed: true,
    clipPercentile: 99,
    params: [],
    help: 'Σ over channels of x·∂y/∂x',
  },
  {
    name: 'smoothgrad',
    title: 'SmoothGrad',
    family: 'gradient',
    gradients: true,
    batched: true,
    passes: 'samples',
    signed: false,
    clipPercentile: 99,
    params: ['samples', 'noise', 'seed', 'batchSize'],
    help: 'saliency averaged over noisy copies',
  },
  {
    name: 'ig',
    title: 'Integrated Gradients',
    family: 'gradient',
    gradients: true,
    batched: true,
    passes: 'steps',
    signed: true,
    clipPercentile: 99,
    params: ['steps', 'baseline', 'batchSize'],
    help: 'gradients integrated along the path from a baseline',
  },
  {
    name: 'lrp',
    title: 'LRP',
    family: 'gradient',
    gradients: true,
    batched: false,
    signed: true,
    clipPercentile: 99,
    params: ['lrpRule', 'epsilon', 'lrpAlpha', 'lrpBeta'],
    help: 'layer-wise relevance propagation from the logit back to the pixels',
  },
  {
    name: 'occlusion',
    title: 'Occlusion',
    family: 'perturbation',
    gradients: false,
    batched: true,
    passes: 'windows',
    signed: true,
    params: ['window', 'stride', 'baseline', 'batchSize'],
    help: 'score drop when a window is hidden',
  },
  {
    name: 'edge',
    title: 'Edge detector (model-free)',
    family: 'model-free',
    gradients: false,
    batched: false,
    signed: false,
    params: [],
    help: "the input's Sobel gradient magnitude — not an explanation: the sanity check's model-independent baseline",
  },
] as const satisfies readonly MethodSpec[];

export type MethodName = (typeof METHOD_SPECS)[number]['name'];
export const METHODS: readonly MethodName[] = METHOD_SPECS.map((m) => m.name);
/** The method SpRAy explains with when none is chosen (the one it was defined on). */
export const SPRAY_METHOD: MethodName = 'lrp';
/** The method a new panel, the CLI and the layer strip use when none is chosen. */
export const DEFAULT_METHOD: MethodName = METHOD_SPECS[0].name;

export function isMethod(name: string): name is MethodName {
  return (METHODS as readonly string[]).includes(name);
}

export function methodSpec(name: MethodName): MethodSpec {
  return METHOD_SPECS.find((m) => m.name === name)!;
}

/** The parameters' defaults, in METHOD_PARAMS' order. */
export const DEFAULT_PARAMS = Object.fromEntries(
  Object.entries(METHOD_PARAMS).flatMap(([k, p]) => ('default' in p && p.default !== undefined ? [[k, p.default]] : [])),
) as Omit<MethodParams, 'batchSize' | 'window' | 'stride'>;
