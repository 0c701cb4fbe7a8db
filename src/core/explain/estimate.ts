/**
 * How much work an explanation is, before it runs: the passes a method makes through the model (and
 * whether each has a backward pass), from its parameters and the model input's size — so that a job
 * that would take minutes is announced with its count and an estimate of its time.
 */
import { defaultCamLayer } from '../model/cam-layers';
import type { InspectableModel } from '../model/types';
import { windowGrid } from './grid';
import { withDefaults } from './params';
import { DEFAULT_PARAMS, methodSpec, type MethodName, type MethodParams } from './specs';

export interface PassEstimate {
  /** Forward passes (each with a backward pass when `backward`). */
  passes: number;
  backward: boolean;
  /** What the count is made of, for the message: "55×55 windows", "25 samples". */
  what: string;
}

export function estimatePasses(
  model: InspectableModel,
  method: MethodName,
  params: Partial<MethodParams>,
  height: number,
  width: number,
  layer?: string,
): PassEstimate {
  const p = withDefaults(DEFAULT_PARAMS, params);
  const backward = methodSpec(method).gradients;
  const channelsOf = (): number => {
    const name = layer ?? defaultCamLayer(model);
    const shape = model.layers.find((l) => l.name === name)?.outputShape ?? [];
    return shape[3] ?? 1;
  };
  switch (methodSpec(method).passes) {
    case 'windows': {
      const g = windowGrid(height, width, params.window, params.stride);
      return { passes: g.rows * g.cols + 1, backward: false, what: `${g.rows}×${g.cols} windows (window ${g.window}, stride ${g.stride})` };
    }
    case 'channels': {
      const c = channelsOf();
      return { passes: c + 1, backward, what: `${c} channels` };
    }
    case 'samples':
      return { passes: p.samples, backward: true, what: `${p.samples} samples` };
    case 'steps':
      return { passes: p.steps, backward: true, what: `${p.steps} steps` };
    default:
      return { passes: 1, backward, what: 'one pass' };
  }
}

/** Seconds the passes take at `msPerPass` a forward pass (a backward pass counted as two more). */
export const estimateSeconds = (e: PassEstimate, msPerPass: number): number => (e.passes * msPerPass * (e.backward ? 3 : 1)) / 1000;
