import { InputError } from '../errors';
import type { InspectableModel } from './types';

/** Layers with a 4-D output (batch, height, width, channels), in order: the candidates for CAM methods and the layer strip. */
export function camLayers(model: InspectableModel): string[] {
  return model.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name);
}

/** The last layer whose output is 4-D (batch, height, width, channels). */
export function defaultCamLayer(model: InspectableModel): string {
  // The last 4-D layer with a spatial map: ONNX global pooling keeps [N, 1, 1, C], which maps nothing.
  const fourD = model.layers.filter((l) => l.outputShape.length === 4);
  const spatial = fourD.filter((l) => !(l.outputShape[1] === 1 && l.outputShape[2] === 1));
  const pick = spatial.at(-1) ?? fourD.at(-1);
  if (pick) return pick.name;
  throw new InputError(`${model.path}: no layer has a 4-D output, so CAM methods have nothing to map.`);
}
