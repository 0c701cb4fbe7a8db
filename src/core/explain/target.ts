import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import type { InspectableModel } from '../model/types';
import type { ScoreFn } from './types';

/** Which output (index) a name or index means. */
export function resolveOutput(model: InspectableModel, output: string | number | undefined): number {
  if (output === undefined) return 0;
  if (typeof output === 'number' || /^\d+$/.test(output)) {
    const i = Number(output);
    if (i >= model.outputs.length) throw new InputError(`Output ${i} does not exist in ${model.path} (it has ${model.outputs.length}).`);
    return i;
  }
  const i = model.outputs.findIndex((o) => o.name === output || o.name.replace(/:\d+$/, '') === output);
  if (i < 0) throw new InputError(`Output "${output}" does not exist in ${model.path} (outputs: ${model.outputs.map((o) => o.name).join(', ')}).`);
  return i;
}

/** The score of one unit of one output, per batch row (the output flattened past the batch axis). */
export function unitScore(output: number, unit: number): ScoreFn {
  return (outputs) =>
    tf.tidy(() => {
      const o = outputs[output];
      const flat = o.rank === 1 ? tf.reshape(o, [o.shape[0], 1]) : tf.reshape(o, [o.shape[0], -1]);
      return tf.squeeze(tf.slice(flat, [0, unit], [-1, 1]), [1]) as tf.Tensor1D;
    });
}

export function checkUnit(model: InspectableModel, output: number, unit: number, units: number): void {
  if (!Number.isInteger(unit) || unit < 0 || unit >= units) {
    throw new InputError(`Target ${unit} is out of range: output "${model.outputs[output].name}" has ${units} units (0..${units - 1}).`);
  }
}
