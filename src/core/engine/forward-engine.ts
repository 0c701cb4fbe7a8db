/**
 * A forward-only engine for the perturbation methods (issue 19): the model's outputs for a batch of
 * inputs, computed by something faster than TensorFlow.js where one helps. Measured before it was chosen
 * (`npm run bench -- --profile`): onnxruntime-node's native kernels run MobileNetV2's forward pass 4–8
 * times faster than TF.js wasm on one thread, onnxruntime-web no faster. So an ONNX model's occlusion can
 * run its passes through onnxruntime-node (`--forward-engine onnxruntime-node`), a native add-on loaded in
 * the command line's own thread only, with its threads on every core; maps equal the TF.js path's within
 * 1e-4 (tested).
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { MODEL_FORMAT_SPECS } from '../model/specs';
import type { InspectableModel } from '../model/types';

export const FORWARD_ENGINES = ['onnxruntime-node'] as const;
export type ForwardEngineName = (typeof FORWARD_ENGINES)[number];

/** The model's outputs for a batch (channels-last, as Model Lens feeds it), in the order of `model.outputs`; the caller disposes them. */
export interface ForwardEngine {
  readonly name: ForwardEngineName;
  run(batch: tf.Tensor4D): Promise<tf.Tensor[]>;
}

/** The part of onnxruntime's API used here (onnxruntime-node's, which onnxruntime-web shares). */
interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
interface Ort {
  InferenceSession: { create(file: string, options: { intraOpNumThreads: number; interOpNumThreads: number }): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** onnxruntime-node from the folder MODEL_LENS_ONNXRUNTIME_NODE names, else from node_modules (a dev dependency; external to the bundles). */
function loadOrt(): Ort {
  const from = process.env.MODEL_LENS_ONNXRUNTIME_NODE;
  try {
    return createRequire(from ? path.join(path.resolve(from), 'package.json') : __filename)(from ? path.resolve(from) : 'onnxruntime-node') as Ort;
  } catch (err) {
    throw new InputError(
      `--forward-engine onnxruntime-node: onnxruntime-node cannot be loaded${from ? ` from ${from}` : ''} (${(err as Error).message.split('\n')[0]}); install it (npm install onnxruntime-node) or set MODEL_LENS_ONNXRUNTIME_NODE to its folder`,
    );
  }
}

const sessions = new Map<string, Promise<OrtSession>>();

/**
 * An onnxruntime-node engine for `model` (an ONNX model whose outputs are vectors or scalars per
 * image): the batch is handed over in the file's own layout (NCHW when it declares it), the outputs
 * come back as TF.js tensors. One session per model file, with `threads` intra-op threads.
 */
export async function onnxruntimeNodeEngine(model: InspectableModel, threads: number): Promise<ForwardEngine> {
  const spec = MODEL_FORMAT_SPECS.find((f) => f.name === model.format);
  if (!(spec && 'onnxRuntime' in spec)) throw new InputError(`--forward-engine onnxruntime-node runs ONNX models; ${model.path} is a ${model.format} model`);
  const deep = model.outputs.find((o) => o.shape.length > 2);
  if (deep)
    throw new InputError(
      `--forward-engine onnxruntime-node scores outputs of one vector per image; ${model.path}'s output "${deep.name}" is ${deep.shape.length}-D`,
    );
  const ort = loadOrt();
  const key = `${model.path}\n${threads}`;
  if (!sessions.has(key)) sessions.set(key, ort.InferenceSession.create(model.path, { intraOpNumThreads: threads, interOpNumThreads: 1 }));
  const session = await sessions.get(key)!.catch((err: Error) => {
    sessions.delete(key);
    throw new InputError(`${model.path}: onnxruntime-node cannot open it (${err.message.split('\n')[0]})`);
  });
  const nchw = model.inputs[0].declaredShape !== undefined;
  // A file that fixes its batch size (often 1) is run that many images at a time.
  const fixed = (model.inputs[0].declaredShape ?? model.inputs[0].shape)[0];
  const runOnce = async (x: tf.Tensor4D): Promise<tf.Tensor[]> => {
    const t = nchw ? tf.transpose(x, [0, 3, 1, 2]) : x;
    const data = t.dataSync() as Float32Array;
    const dims = t.shape;
    if (t !== x) t.dispose();
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, dims) });
    return model.outputs.map((o) => {
      const r = out[o.name];
      if (!r) throw new Error(`onnxruntime-node gave no output "${o.name}" for ${model.path}`);
      return tf.tensor(Float32Array.from(r.data as ArrayLike<number>), [...r.dims]);
    });
  };
  return {
    name: 'onnxruntime-node',
    async run(batch) {
      if (!fixed || fixed === batch.shape[0]) return runOnce(batch);
      const parts: tf.Tensor[][] = [];
      try {
        for (let start = 0; start < batch.shape[0]; start += fixed) {
          const slice = tf.slice(batch, [start, 0, 0, 0], [Math.min(fixed, batch.shape[0] - start), -1, -1, -1]);
          try {
            parts.push(await runOnce(slice));
          } finally {
            slice.dispose();
          }
        }
        return model.outputs.map((_, k) => tf.concat(parts.map((p) => p[k])));
      } finally {
        tf.dispose(parts.flat());
      }
    },
  };
}
