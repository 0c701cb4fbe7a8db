/**
 * The distillation losses (DISTILLATION.md), as data: each one's name (the `--loss` key and the
 * `loss/<name>` tag), title, paper and what it needs. Pure: no TensorFlow.js, so the host and the
 * webviews read it too. The implementations are in `losses.ts`, one function each; the trainer that
 * combines them by these names is still to come (issue 17).
 */
export const LOSS_SPECS = [
  { name: 'ce', title: 'Cross-entropy', paper: 'the labels', needs: 'labels' },
  { name: 'kd', title: 'Hinton KD', paper: 'Hinton, Vinyals, Dean 2015, "Distilling the knowledge in a neural network"', needs: 'logits' },
  { name: 'hint', title: 'FitNet hint', paper: 'Romero et al. 2015, "FitNets: hints for thin deep nets"', needs: 'features' },
  { name: 'at', title: 'Attention transfer', paper: 'Zagoruyko, Komodakis 2017, "Paying more attention to attention"', needs: 'features' },
  { name: 'fsp', title: 'FSP', paper: 'Yim et al. 2017, "A gift from knowledge distillation"', needs: 'features' },
  { name: 'vid', title: 'VID', paper: 'Ahn et al. 2019, "Variational information distillation for knowledge transfer"', needs: 'features' },
  { name: 'hsakd', title: 'HSAKD', paper: 'Yang et al. 2021, "Hierarchical self-supervised augmented knowledge distillation"', needs: 'rotations' },
] as const;

export type LossName = (typeof LOSS_SPECS)[number]['name'];
export const LOSS_NAMES = LOSS_SPECS.map((s) => s.name) as readonly LossName[];
export const isLossName = (n: string): n is LossName => (LOSS_NAMES as readonly string[]).includes(n);

/** VID's variance floor ε and starting variance (DISTILLATION.md). */
export const VID_EPS = 1e-5;
export const VID_INIT_VARIANCE = 5;
/** HSAKD's temperature in the reference code, and its rotations (0°, 90°, 180°, 270°). */
export const HSAKD_TEMPERATURE = 3;
export const ROTATIONS = 4;
/** Detection KD: the background class's weight in the soft cross-entropy. */
export const DETECTION_BACKGROUND_WEIGHT = 1.5;
