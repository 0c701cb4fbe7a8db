/**
 * Each method's computation under the name its spec (specs.ts) declares: one line per method. The
 * Record type makes a spec without a registry line (or a line without a spec) a type error.
 */
import { ablationCam } from './cam/ablation-cam';
import type { CamMethod } from './cam/cam-method';
import { eigenCam } from './cam/eigen-cam';
import { eigenGradCam } from './cam/eigengrad-cam';
import { gradCam } from './cam/grad-cam';
import { gradCamPlusPlus } from './cam/grad-cam-plus-plus';
import { gradCamElementwise } from './cam/gradcam-elementwise';
import { guidedGradCam } from './cam/guided-grad-cam';
import { hiResCam } from './cam/hires-cam';
import { layerCam } from './cam/layer-cam';
import { runCam } from './cam/run-cam';
import { scoreCam } from './cam/score-cam';
import { xGradCam } from './cam/xgrad-cam';
import { integratedGradients } from './gradients/integrated-gradients';
import { gradientTimesInput, saliency } from './gradients/saliency';
import { smoothGrad } from './gradients/smooth-grad';
import { edge } from './edge';
import { lrp } from './lrp/lrp';
import { occlusion } from './occlusion/occlusion';
import type { MethodName } from './specs';
import type { ExplainMethod } from './types';

/** A CAM (weights × activations at the target layers) as a method. */
const cam =
  (m: CamMethod): ExplainMethod =>
  (ctx) =>
    runCam(m, ctx);

export const METHOD_TABLE: Record<MethodName, ExplainMethod> = {
  gradcam: cam(gradCam),
  'gradcam++': cam(gradCamPlusPlus),
  xgradcam: cam(xGradCam),
  hirescam: cam(hiResCam),
  'gradcam-elementwise': cam(gradCamElementwise),
  layercam: cam(layerCam),
  scorecam: cam(scoreCam),
  ablationcam: cam(ablationCam),
  eigencam: cam(eigenCam),
  eigengradcam: cam(eigenGradCam),
  'guided-gradcam': guidedGradCam,
  saliency,
  gradxinput: gradientTimesInput,
  smoothgrad: smoothGrad,
  ig: integratedGradients,
  lrp,
  occlusion,
  edge,
};
