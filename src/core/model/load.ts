import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfc from '@tensorflow/tfjs-converter';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { pathInside, printable, readRegularFile } from '../io/files';
import { limits } from '../limits';
import { readModelArtifacts } from './artifacts';
import { GraphInspectableModel, type GraphNodeDef } from './graph-model';
import { LayersInspectableModel } from './layers-model';
import { loadKeras } from './keras/load';
import { OnnxInspectableModel, operatorsOf } from './onnx/model';
import { decodeOnnx } from './onnx/proto';
import { MODEL_FORMAT_SPECS, type ModelFileFormat } from './specs';
import type { InspectableModel, ModelFormat } from './types';

interface CacheEntry {
  mtimeMs: number;
  size: number;
  backend: string;
  model: InspectableModel;
}
const cache = new Map<string, CacheEntry>();
let loads = 0;

function statOrFail(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch {
    throw new InputError(`${file}: file not found`);
  }
}

/**
 * TensorFlow SavedModels: TensorFlow.js can run them only through the native backend, and cannot
 * take gradients through them, which every explanation method but occlusion needs.
 */
function savedModelError(dir: string): InputError {
  return new InputError(
    `${dir}: a TensorFlow SavedModel, which TensorFlow.js cannot differentiate; convert it with "tensorflowjs_converter --input_format=tf_saved_model ${dir} <folder>" (a TF.js graph model) or to ONNX with "python -m tf2onnx.convert --saved-model ${dir} --output model.onnx"`,
  );
}

/** Turns tfjs's load errors into one sentence naming the file and the problem. */
function explainLoadError(file: string, err: Error): InputError {
  const msg = err.message.split('\n')[0];
  const unknownLayer = /Unknown layer: (\w+)/.exec(msg);
  if (unknownLayer) return new InputError(`${file}: unsupported layer "${unknownLayer[1]}" (TensorFlow.js has no implementation of it)`);
  const unknownOp = /Op is not supported: (\w+)/i.exec(msg);
  if (unknownOp) return new InputError(`${file}: unsupported operation "${unknownOp[1]}" (TensorFlow.js has no kernel for it)`);
  const e = new InputError(`${file}: the model cannot be built from its configuration: TensorFlow.js refused it (--verbose shows its message)`);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}

/** The `format` of `summary --json` for an ONNX file whose operators are listed without a model. */
export const ONNX_SUMMARY_FORMAT: ModelFormat = 'onnx';

/**
 * The operators of an .onnx file without translating it (for `summary` of a model that has
 * unsupported ones); undefined when the file cannot be decoded.
 */
export function onnxOperators(file: string): { op: string; count: number; supported: boolean }[] | undefined {
  if (modelFormatOf(file).name !== 'onnx') return undefined;
  try {
    return operatorsOf(decodeOnnx(readModelFile(file), () => new Uint8Array(0)).nodes);
  } catch {
    return undefined;
  }
}

const MODEL_BYTES_HINT = '--max-model-bytes or the modelLens.limits.maxModelBytes setting';

/** A model file: a regular file, at most the model-size limit. */
function readModelFile(file: string): Buffer {
  return readRegularFile(file, { what: 'model file', maxBytes: limits().maxModelBytes, raise: MODEL_BYTES_HINT });
}

/** Reads an .onnx file (and the external data files beside it) and translates it. */
function loadOnnx(file: string): InspectableModel {
  const bytes = readModelFile(file);
  const files = new Map<string, Buffer>();
  let externalBytes = 0;
  const external = (location: string, offset: number, length: number | undefined, tensor: string): Uint8Array => {
    const where = pathInside(file, location, `external data of tensor "${printable(tensor)}"`);
    let data = files.get(where);
    if (!data) {
      try {
        data = readRegularFile(where, { what: 'external data file', maxBytes: limits().maxModelBytes - bytes.length - externalBytes, raise: MODEL_BYTES_HINT });
      } catch (err) {
        if (err instanceof InputError && err.message === `${where}: file not found`)
          throw new InputError(`${where}: external data file of ${path.basename(file)} is missing (tensor "${printable(tensor)}")`);
        throw err;
      }
      externalBytes += data.length;
      files.set(where, data);
    }
    const end = length === undefined ? data.length : offset + length;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(end) || offset < 0 || end > data.length || end < offset) {
      throw new InputError(
        `${where}: external data file is truncated: tensor "${printable(tensor)}" needs bytes ${offset}–${end}, the file has ${data.length}`,
      );
    }
    return new Uint8Array(data.buffer, data.byteOffset + offset, end - offset);
  };
  let model;
  try {
    model = decodeOnnx(bytes, external);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const msg = (err as Error).message.split('\n')[0];
    // decodeOnnx's own sentences start with what they are about (a tensor, a node, the graph); anything else is protobufjs's.
    const ours = /^(tensor|node|the graph|the model|attribute|it) /.test(msg);
    const e = new InputError(`${file}: not a readable ONNX model (${ours ? msg : 'the file is truncated or corrupt'})`);
    (e as Error & { cause?: unknown }).cause = err;
    throw e;
  }
  return new OnnxInspectableModel(file, model);
}

/** A TF.js model.json: a layers model or a graph model, as its artifacts say. */
async function loadTfjs(file: string): Promise<InspectableModel> {
  const { kind, artifacts } = readModelArtifacts(file);
  const handler = tf.io.fromMemory(artifacts);
  if (kind === 'layers') {
    let model: tfl.LayersModel;
    try {
      model = await tfl.loadLayersModel(handler);
    } catch (err) {
      throw explainLoadError(file, err as Error);
    }
    try {
      return new LayersInspectableModel(file, model);
    } catch (err) {
      model.dispose();
      throw explainLoadError(file, err as Error);
    }
  }
  const model = new tfc.GraphModel(handler);
  try {
    await model.load();
  } catch (err) {
    throw explainLoadError(file, err as Error); // what it made is released by guardedLoad
  }
  const nodes = ((artifacts.modelTopology as { node?: GraphNodeDef[] }).node ?? []) as GraphNodeDef[];
  try {
    return new GraphInspectableModel(file, model, nodes);
  } catch (err) {
    model.dispose();
    throw explainLoadError(file, err as Error);
  }
}

/**
 * Every model format, in the order they are tried: how a resolved file is recognised and loaded (or
 * refused). Names, titles and extensions are in specs.ts. docs/ARCHITECTURE.md: "Add a model format".
 */
export const MODEL_FORMATS: readonly {
  name: ModelFileFormat;
  matches: (file: string) => boolean;
  load: (file: string, given: string) => Promise<InspectableModel>;
}[] = [
  {
    name: 'saved-model',
    matches: (file) => path.basename(file) === 'saved_model.pb',
    load: async (_file, given) => {
      throw savedModelError(path.dirname(given));
    },
  },
  { name: 'onnx', matches: (file) => file.toLowerCase().endsWith('.onnx'), load: async (file) => loadOnnx(file) },
  { name: 'keras', matches: (file) => /\.(h5|hdf5|keras)$/i.test(file), load: async (file) => loadKeras(new Uint8Array(readModelFile(file)), file) },
  // Anything else is read as a model.json (its artifacts checked and explained).
  { name: 'tfjs', matches: () => true, load: loadTfjs },
];

/** The format of a resolved model file. */
export function modelFormatOf(file: string): (typeof MODEL_FORMATS)[number] {
  return MODEL_FORMATS.find((f) => f.matches(file))!;
}

type EngineInternals = {
  startScope(): void;
  endScope(): void;
  state: { activeScope?: { track: tf.Tensor[] }; registeredVariables: Record<string, tf.Variable> };
};

/**
 * Runs a model load in an engine scope, so that a load that fails half-way (TensorFlow.js refusing a
 * layer after the weights were decoded, a translator error after the constants were made) releases
 * every tensor and variable it made; a load that succeeds keeps them all (the model owns them).
 * Loads run one at a time (the worker and the CLI run one job at a time), so the scope is theirs.
 */
async function guardedLoad<T>(load: () => Promise<T>): Promise<T> {
  const engine = tf.engine() as unknown as EngineInternals;
  const variables = new Set(Object.keys(engine.state.registeredVariables));
  engine.startScope();
  try {
    const model = await load();
    for (const t of engine.state.activeScope?.track ?? []) tf.keep(t);
    return model;
  } catch (err) {
    for (const [name, v] of Object.entries(engine.state.registeredVariables)) if (!variables.has(name)) v.dispose();
    throw err;
  } finally {
    engine.endScope();
  }
}

/**
 * What every format gets checked for after loading: input sizes that are positive (a 0×0 input
 * made XNNPACK print errors and a score), and weights that are finite (a warning: the outputs may
 * still be, where a NaN weight is multiplied by zero activations).
 */
function checkModel(model: InspectableModel): void {
  if (model.inputs.length === 0) throw new InputError(`${model.path}: the model declares no inputs`);
  for (const i of model.inputs) {
    if (i.shape.some((d) => d !== null && (!Number.isSafeInteger(d) || d <= 0))) {
      throw new InputError(
        `${model.path}: input "${printable(i.name)}" has shape [${i.shape.map((d) => d ?? 'null').join(', ')}]; every size must be a whole number ≥ 1`,
      );
    }
  }
  const bad: string[] = [];
  for (const [name, t] of model.weightTensors()) {
    if (t.isDisposed || t.dtype !== 'float32' || t.size === 0) continue;
    try {
      if (!tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0])) bad.push(name);
    } catch {
      // a weight TensorFlow.js cannot read back: running the model reports it
    }
  }
  if (bad.length)
    model.warnings.push(
      `${bad.length} weight${bad.length === 1 ? '' : 's'} hold${bad.length === 1 ? 's' : ''} NaN or infinite values (${bad
        .slice(0, 3)
        .map((n) => `"${printable(n)}"`)
        .join(', ')}${bad.length > 3 ? ', …' : ''}); outputs may not be finite`,
    );
}

/** The model file a path names: the file itself, or the model.json of a folder (one sentence if there is none, or a SavedModel instead). */
export function resolveModelFile(modelPath: string): string {
  const file = path.resolve(modelPath);
  if (!statOrFail(file).isDirectory()) return file;
  if (!fs.existsSync(path.join(file, 'model.json')) && fs.existsSync(path.join(file, 'saved_model.pb'))) throw savedModelError(modelPath);
  const json = path.join(file, 'model.json');
  if (!fs.existsSync(json)) throw new InputError(`${modelPath}: the folder holds no model.json`);
  return json;
}

/**
 * Loads a model from a model.json (or a folder holding one), cached by path, modification time,
 * size and backend. The cache owns the models: callers must not dispose them.
 */
export async function loadModel(modelPath: string): Promise<InspectableModel> {
  const file = resolveModelFile(modelPath);
  const format = modelFormatOf(file);
  // Formats Model Lens refuses (a SavedModel) are refused before anything is read.
  if (!MODEL_FORMAT_SPECS.find((f) => f.name === format.name)!.opens) await format.load(file, modelPath);

  const stat = statOrFail(file);
  const backend = tf.getBackend();
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size && hit.backend === backend) return hit.model;
  if (hit) {
    hit.model.dispose();
    cache.delete(file);
  }
  const model = await guardedLoad(() => format.load(file, modelPath));
  try {
    checkModel(model);
  } catch (err) {
    model.dispose();
    throw err;
  }
  loads++;
  cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, backend, model });
  return model;
}

/** Disposes every cached model (tests, backend switches, worker shutdown). */
export function clearModelCache(): void {
  for (const entry of cache.values()) entry.model.dispose();
  cache.clear();
}

export function cachedModelCount(): number {
  return cache.size;
}

/** How many models were read from disk (not from the cache) since the process started. */
export function modelLoadCount(): number {
  return loads;
}
