import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes model artifacts as the TF.js converter does: model.json plus weight shards of at most
 * `shardBytes` (group1-shard1ofN.bin, …).
 */
export function writeArtifacts(dir: string, artifacts: tf.io.ModelArtifacts, shardBytes = 4 * 1024 * 1024): string {
  fs.mkdirSync(dir, { recursive: true });
  const data = artifacts.weightData ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : Buffer.alloc(0);
  const count = Math.max(1, Math.ceil(data.length / shardBytes));
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `group1-shard${i + 1}of${count}.bin`;
    fs.writeFileSync(path.join(dir, name), data.subarray(i * shardBytes, (i + 1) * shardBytes));
    paths.push(name);
  }
  const json = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? 'Model Lens',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.signature ? { signature: artifacts.signature } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

/** Saves a layers model to `dir` (model.json + shards). */
export async function saveLayersModel(model: tfl.LayersModel, dir: string, shardBytes?: number): Promise<string> {
  let file = '';
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      file = writeArtifacts(dir, artifacts, shardBytes);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return file;
}
