import type * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { formatBytes, pathInside, printable, readRegularFile } from '../io/files';
import { limits } from '../limits';
import { normalizeKerasConfig } from './keras/config';

type WeightsManifest = tf.io.WeightsManifestConfig;
type WeightSpec = tf.io.WeightsManifestEntry;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };
const QUANT_DTYPES = new Set(['uint8', 'uint16', 'float16']);

/** Elements of a weight, after checking that its shape is a list of whole numbers ≥ 0. */
function elementCount(spec: WeightSpec, file: string): number {
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail(
      file,
      `weight "${printable(spec.name)}" has an invalid shape (${printable(JSON.stringify(spec.shape) ?? 'none')}; dimensions must be whole numbers ≥ 0)`,
    );
  }
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n)) fail(file, `weight "${printable(spec.name)}" declares too many elements (${spec.shape.join('×')})`);
  return n;
}

/** Bytes a numeric weight occupies in its shard, after quantisation if any; strings are walked in the data. */
export function weightByteSize(spec: WeightSpec, file = 'model.json'): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  if (spec.quantization !== undefined && (typeof spec.quantization !== 'object' || !QUANT_DTYPES.has(spec.quantization.dtype as string))) {
    fail(file, `weight "${printable(spec.name)}" has an unknown quantization (${printable(JSON.stringify(spec.quantization) ?? '')})`);
  }
  const bytes = DTYPE_BYTES[dtype as string];
  if (dtype === undefined || dtype === null) fail(file, `weight "${printable(spec.name)}" has no dtype`);
  if (bytes === undefined) fail(file, `weight "${printable(spec.name)}" has an unknown dtype (${printable(JSON.stringify(dtype) ?? String(dtype))})`);
  return elementCount(spec, file) * bytes;
}

/**
 * Where each weight of a group ends in the group's bytes. String weights (a text model's
 * vocabulary) are stored as a 4-byte little-endian length before each string's bytes, so their size
 * is read from the data; every length is checked against what is left.
 */
function weightEnds(weights: WeightSpec[], data: Buffer, file: string, shardName: string): number {
  let off = 0;
  for (const w of weights) {
    if (w.dtype === 'string' && w.quantization === undefined) {
      const n = elementCount(w, file);
      for (let i = 0; i < n; i++) {
        if (off + 4 > data.length)
          fail(shardName, `weight shard is truncated: string weight "${printable(w.name)}" runs past the end of its group's ${data.length} bytes`);
        const len = data.readUInt32LE(off);
        off += 4 + len;
        if (off > data.length)
          fail(shardName, `weight shard is truncated: string weight "${printable(w.name)}" runs past the end of its group's ${data.length} bytes`);
      }
    } else {
      off += weightByteSize(w, file);
    }
  }
  return off;
}

/** Graph operations with sliding windows, whose attributes TensorFlow.js's WebAssembly kernels trust. */
const WINDOW_OPS = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative', 'MaxPool', 'AvgPool', 'Conv2DBackpropInput']);

/** strides, dilations and ksize: lists of four whole numbers from 1 to 65536; padding a known name. */
function checkWindowAttrs(n: { name: string; op: string; attr?: Record<string, unknown> }, file: string): void {
  for (const key of ['strides', 'dilations', 'ksize']) {
    const a = n.attr?.[key] as { list?: { i?: unknown } } | undefined;
    if (a === undefined) continue;
    const values = Array.isArray(a?.list?.i) ? (a.list!.i as unknown[]).map(Number) : [];
    if (values.length !== 4 || values.some((v) => !Number.isSafeInteger(v) || v < 1 || v > 65536)) {
      fail(file, `node "${printable(n.name)}" (${printable(n.op)}) has invalid ${key} (expected four whole numbers from 1 to 65536)`);
    }
  }
  const pad = n.attr?.padding as { s?: unknown } | undefined;
  if (pad !== undefined) {
    const name = typeof pad?.s === 'string' ? Buffer.from(pad.s, 'base64').toString('latin1') : '';
    if (!['SAME', 'VALID', 'EXPLICIT'].includes(name))
      fail(file, `node "${printable(n.name)}" (${printable(n.op)}) has an invalid padding (expected SAME, VALID or EXPLICIT)`);
  }
}

/** A GraphDef's nodes: each an object with a string name and op, and inputs that are strings. */
function checkGraphNodes(nodes: unknown, file: string): void {
  if (!Array.isArray(nodes)) fail(file, 'malformed model.json (the graph\'s "node" is not a list)');
  const names = new Set<string>();
  for (const n of nodes as Record<string, unknown>[]) {
    if (!n || typeof n !== 'object' || typeof n.name !== 'string' || typeof n.op !== 'string')
      fail(file, 'malformed model.json (a graph node lacks a "name" or "op" string)');
    if (n.input !== undefined && (!Array.isArray(n.input) || n.input.some((i) => typeof i !== 'string')))
      fail(file, `malformed model.json (the inputs of node "${printable(n.name as string)}" are not a list of names)`);
    if (n.attr !== undefined && (typeof n.attr !== 'object' || n.attr === null || Array.isArray(n.attr)))
      fail(file, `malformed model.json (the attributes of node "${printable(n.name as string)}" are not an object)`);
    if (names.has(n.name as string)) fail(file, `malformed model.json (two graph nodes are named "${printable(n.name as string)}")`);
    if (WINDOW_OPS.has(n.op as string)) checkWindowAttrs(n as { name: string; op: string; attr?: Record<string, unknown> }, file);
    names.add(n.name as string);
  }
}

/** Maximum nesting depth of a parsed JSON value, walked without recursion. */
export function jsonDepth(value: unknown, stopAt = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > stopAt) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

/** JSON.parse with our own message: the position, never the file's bytes echoed back. */
export function parseJsonFile(text: string, file: string, what: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    const e = new InputError(
      `${file}: malformed ${what} (not valid JSON${at !== undefined ? ` at byte ${at}` : text.trim() === '' ? ': the file is empty' : ''})`,
    );
    (e as Error & { cause?: unknown }).cause = err;
    throw e;
  }
  const depth = jsonDepth(json, limits().maxJsonDepth);
  if (depth > limits().maxJsonDepth) fail(file, `malformed ${what} (nested more than ${limits().maxJsonDepth} levels deep)`);
  return json;
}

export interface LoadedArtifacts {
  kind: 'layers' | 'graph';
  artifacts: tf.io.ModelArtifacts;
}

const MODEL_BYTES_HINT = '--max-model-bytes or the modelLens.limits.maxModelBytes setting';

function fail(file: string, problem: string): never {
  throw new InputError(`${file}: ${problem}`);
}

/**
 * Reads a TF.js model.json and its weight shards into ModelArtifacts, checking every shard.
 *
 * Converter versions differ in what model.json holds (see docs/FORMATS.md):
 * - 1.x: `modelTopology` + `weightsManifest`, no `format`; a layers topology may be the Keras
 *   `{model_config, training_config}` pair, a graph topology a GraphDef with `node`.
 * - 2.x: adds `format` ("layers-model" | "graph-model"), `generatedBy`, `convertedBy`.
 * - 3.x: adds `signature`, `userDefinedMetadata`, and `modelInitializer` for graph models.
 * - 4.x: quantised weights (`quantization: {dtype: uint8|uint16|float16, min, scale}`) are common.
 * The 0.x format (tensorflowjs_model.pb + weights_manifest.json) is rejected with a hint.
 */
export function readModelArtifacts(modelJsonPath: string): LoadedArtifacts {
  const name = modelJsonPath;
  const maxBytes = limits().maxModelBytes;
  const text = readRegularFile(modelJsonPath, { what: 'model.json', maxBytes, raise: MODEL_BYTES_HINT }).toString('utf8');
  const json = parseJsonFile(text, name, 'model.json') as Record<string, unknown>;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(name, 'malformed model.json (not a JSON object)');
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (!topology || typeof topology !== 'object') {
    if (fs.existsSync(path.join(path.dirname(modelJsonPath), 'tensorflowjs_model.pb'))) {
      fail(name, 'this is the TF.js 0.x format (tensorflowjs_model.pb); convert the model again with tensorflowjs_converter 1.x or later');
    }
    fail(name, 'malformed model.json (no "modelTopology")');
  }
  const format = json.format as string | undefined;
  let kind: 'layers' | 'graph';
  if (format === 'layers-model') kind = 'layers';
  else if (format === 'graph-model') kind = 'graph';
  else if (format !== undefined) fail(name, `unknown model format "${printable(String(format))}" (expected layers-model or graph-model)`);
  else if (Array.isArray(topology.node)) kind = 'graph';
  else if ('class_name' in topology || 'model_config' in topology) kind = 'layers';
  else fail(name, 'malformed model.json (the topology is neither a Keras model nor a GraphDef)');

  if (kind === 'graph') checkGraphNodes(topology.node, name);
  const manifest = (json.weightsManifest ?? []) as WeightsManifest;
  if (!Array.isArray(manifest)) fail(name, 'malformed model.json ("weightsManifest" is not a list)');
  const specs: WeightSpec[] = [];
  const buffers: Buffer[] = [];
  let total = 0;
  for (const group of manifest) {
    if (!group || typeof group !== 'object' || !Array.isArray(group.paths) || !Array.isArray(group.weights) || group.paths.length === 0) {
      fail(name, 'malformed model.json (a weightsManifest group lacks "paths" or "weights")');
    }
    let numeric = 0;
    for (const w of group.weights) {
      if (!w || typeof w !== 'object' || typeof w.name !== 'string' || !Array.isArray(w.shape))
        fail(name, 'malformed model.json (a weight lacks "name" or "shape")');
      if (w.dtype !== 'string' || w.quantization !== undefined) numeric += weightByteSize(w, name);
      else elementCount(w, name);
      if (numeric > maxBytes) fail(name, `the weights declare more than ${formatBytes(maxBytes)} (${MODEL_BYTES_HINT})`);
    }
    const shards: Buffer[] = [];
    const shardPaths = group.paths.map((rel: unknown) => pathInside(modelJsonPath, rel, 'weight shard'));
    for (const shardPath of shardPaths) {
      let shard: Buffer;
      try {
        shard = readRegularFile(shardPath, { what: 'weight shard', maxBytes: maxBytes - total, raise: MODEL_BYTES_HINT });
      } catch (err) {
        if (err instanceof InputError && err.message === `${shardPath}: file not found`)
          fail(shardPath, `weight shard listed in ${path.basename(modelJsonPath)} is missing`);
        throw err;
      }
      total += shard.length;
      shards.push(shard);
    }
    const last = shardPaths[shardPaths.length - 1];
    const data = shards.length === 1 ? shards[0] : Buffer.concat(shards);
    const expected = group.weights.some((w: WeightSpec) => w.dtype === 'string' && w.quantization === undefined)
      ? weightEnds(group.weights, data, name, last)
      : numeric;
    const actual = data.length;
    if (actual !== expected) {
      if (actual < expected) {
        fail(last, `weight shard is truncated: the weights of its group need ${expected} bytes but the shards hold ${actual}`);
      }
      fail(last, `weight shard size mismatch: the weights of its group need ${expected} bytes but the shards hold ${actual}`);
    }
    specs.push(...group.weights);
    buffers.push(data);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const artifacts: tf.io.ModelArtifacts = {
    // Converters since Keras 2.13 write regularizers, constraints and initializers TF.js does not
    // know (e.g. "L2"); they do not matter for inference, and .h5/.keras files go through the same.
    modelTopology: kind === 'layers' ? normalizeKerasConfig('model_config' in topology ? topology.model_config : topology, name) : (topology as object),
    format: format ?? (kind === 'layers' ? 'layers-model' : 'graph-model'),
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | undefined,
    weightSpecs: specs,
    weightData,
    signature: json.signature as object | undefined,
    userDefinedMetadata: json.userDefinedMetadata as Record<string, object> | undefined,
    modelInitializer: json.modelInitializer as object | undefined,
    trainingConfig: json.trainingConfig as tf.io.TrainingConfig | undefined,
  };
  return { kind, artifacts };
}
