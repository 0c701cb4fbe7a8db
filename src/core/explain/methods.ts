import { ablationCam } from './cam/ablation-cam';
import type { CamMethod } from './cam/cam-method';
import { eigenCam } from './cam/eigen-cam';
import { gradCam } from './cam/grad-cam';
import { gradCamPlusPlus } from './cam/grad-cam-plus-plus';
import { guidedGradCam } from './cam/guided-grad-cam';
import { hiResCam } from './cam/hires-cam';
import { layerCam } from './cam/layer-cam';
import { runCam } from './cam/run-cam';
import { scoreCam } from './cam/score-cam';
import { xGradCam } from './cam/xgrad-cam';
import { integratedGradients } from './gradients/integrated-gradients';
import { gradientTimesInput, saliency } from './gradients/saliency';
import { smoothGrad } from './gradients/smooth-grad';
import { occlusion } from './occlusion/occlusion';
import type { ExplainMethod, MethodName } from './types';

const CAM: Partial<Record<MethodName, CamMethod>> = {
  gradcam: gradCam,
  'gradcam++': gradCamPlusPlus,
  xgradcam: xGradCam,
  hirescam: hiResCam,
  layercam: layerCam,
  scorecam: scoreCam,
  ablationcam: ablationCam,
  eigencam: eigenCam,
};

export function isCamMethod(name: MethodName): boolean {
  return name in CAM || name === 'guided-gradcam';
}

export const METHOD_TABLE: Record<MethodName, ExplainMethod> = {
  ...(Object.fromEntries(Object.entries(CAM).map(([name, m]) => [name, (ctx) => runCam(m!, ctx)])) as Record<string, ExplainMethod>),
  'guided-gradcam': guidedGradCam,
  saliency,
  gradxinput: gradientTimesInput,
  smoothgrad: smoothGrad,
  ig: integratedGradients,
  occlusion,
} as Record<MethodName, ExplainMethod>;
