import type * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';

type WeightsManifest = tf.io.WeightsManifestConfig;
type WeightSpec = tf.io.WeightsManifestEntry;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes a weight occupies in its shard, after quantisation if any. */
export function weightByteSize(spec: WeightSpec): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) throw new Error(`weight "${spec.name}" has unsupported dtype ${dtype}`);
  return size * bytes;
}

export interface LoadedArtifacts {
  kind: 'layers' | 'graph';
  artifacts: tf.io.ModelArtifacts;
}

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
  let text: string;
  try {
    text = fs.readFileSync(modelJsonPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(name, code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? (err as Error).message})`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(name, `malformed model.json (${(err as Error).message})`);
  }
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
  else if (format !== undefined) fail(name, `unknown model format "${format}" (expected layers-model or graph-model)`);
  else if (Array.isArray(topology.node)) kind = 'graph';
  else if ('class_name' in topology || 'model_config' in topology) kind = 'layers';
  else fail(name, 'malformed model.json (the topology is neither a Keras model nor a GraphDef)');

  const manifest = (json.weightsManifest ?? []) as WeightsManifest;
  if (!Array.isArray(manifest)) fail(name, 'malformed model.json ("weightsManifest" is not a list)');
  const dir = path.dirname(modelJsonPath);
  const specs: WeightSpec[] = [];
  const buffers: Buffer[] = [];
  for (const group of manifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail(name, 'malformed model.json (a weightsManifest group lacks "paths" or "weights")');
    }
    let expected = 0;
    for (const w of group.weights) {
      if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape)) fail(name, 'malformed model.json (a weight lacks "name" or "shape")');
      try {
        expected += weightByteSize(w);
      } catch (err) {
        fail(name, (err as Error).message);
      }
    }
    const shards: Buffer[] = [];
    for (const rel of group.paths) {
      const shardPath = path.join(dir, rel);
      try {
        shards.push(fs.readFileSync(shardPath));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        fail(shardPath, code === 'ENOENT' ? `weight shard listed in ${path.basename(modelJsonPath)} is missing` : `weight shard cannot be read (${code})`);
      }
    }
    const actual = shards.reduce((a, b) => a + b.length, 0);
    if (actual !== expected) {
      const last = path.join(dir, group.paths[group.paths.length - 1]);
      if (actual < expected) {
        fail(last, `weight shard is truncated: the weights of its group need ${expected} bytes but the shards hold ${actual}`);
      }
      fail(last, `weight shard size mismatch: the weights of its group need ${expected} bytes but the shards hold ${actual}`);
    }
    specs.push(...group.weights);
    buffers.push(...shards);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: topology as object,
    format: format ?? (kind === 'layers' ? 'layers-model' : 'graph-model'),
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | undefined,
    weightSpecs: specs,
    weightData,
    signature: json.signature as object | undefined,
    userDefinedMetadata: json.userDefinedMetadata as Record<string, {}> | undefined,
    modelInitializer: json.modelInitializer as object | undefined,
    trainingConfig: json.trainingConfig as tf.io.TrainingConfig | undefined,
  };
  return { kind, artifacts };
}
