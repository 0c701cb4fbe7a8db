import type * as tfl from '@tensorflow/tfjs-layers';
import { mobileNetV2Model } from '../../src/core/distill/mobilenet-v2';
import { LayersInspectableModel } from '../../src/core/model/layers-model';

/**
 * MobileNetV2 (alpha 1.0, 224×224, 1000 classes, softmax) built in code with random, seeded weights:
 * the shape of the network matters for timing, not its weights.
 */
export function mobileNetV2(size = 224, seed = 1): LayersInspectableModel {
  return new LayersInspectableModel('mobilenet_v2 (random weights)', mobileNetV2Layers(size, seed));
}

/** The same network as a plain TF.js layers model (to save it, for instance). */
export function mobileNetV2Layers(size = 224, seed = 1): tfl.LayersModel {
  return mobileNetV2Model({ shape: [size, size, 3], classes: 1000, alpha: 1, seed, softmax: true });
}
