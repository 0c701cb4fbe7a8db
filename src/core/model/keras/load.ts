import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { unzipSync } from 'fflate';
import * as hdf5 from 'jsfive';
import { InputError } from '../../errors';
import { printable } from '../../io/files';
import { limits } from '../../limits';
import { jsonDepth } from '../artifacts';
import { LayersInspectableModel } from '../layers-model';
import { normalizeKerasConfig } from './config';

type Group = hdf5.Group;
type Dataset = hdf5.Dataset;
const isDataset = (v: unknown): v is Dataset => !!v && Array.isArray((v as Dataset).shape) && 'value' in (v as object);

function openHdf5(bytes: Uint8Array, file: string): hdf5.File {
  if (bytes.length < 8 || bytes[0] !== 0x89 || bytes[1] !== 0x48 || bytes[2] !== 0x44 || bytes[3] !== 0x46)
    throw new InputError(`${file}: not an HDF5 file (no HDF5 signature)`);
  // The superblock records where the file ends: a shorter file was cut off (a copy or download
  // that stopped), even when the parts read first are intact.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[8];
  const eofAt = version === 0 ? 40 : version === 1 ? 44 : version === 2 || version === 3 ? 28 : -1;
  if (eofAt >= 0 && bytes.length >= eofAt + 8) {
    const eof = Number(view.getBigUint64(eofAt, true));
    if (eof > bytes.length) throw new InputError(`${file}: the HDF5 file is truncated: it should hold ${eof} bytes, it has ${bytes.length}`);
  }
  try {
    return new hdf5.File(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, file);
  } catch (err) {
    throw damage(`${file}: the HDF5 file is truncated or corrupt (its structure cannot be read)`, err);
  }
}

/** jsfive throws strings for missing paths: undefined instead. */
function get(group: Group, path: string): Group | Dataset | undefined {
  try {
    return group.get(path);
  } catch {
    return undefined;
  }
}

/** Our sentence for a reader's failure, the reader's own message kept as the cause (--verbose). */
function damage(message: string, err: unknown): InputError {
  const e = new InputError(message);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}

/** Anything but an InputError from reading a damaged file becomes one naming the file. */
async function damaged<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw damage(`${file}: the HDF5 file is truncated or corrupt (its structure cannot be read)`, err);
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined ? [] : [str(v)]);

function readDataset(h5: hdf5.File, path: string, file: string): tf.Tensor {
  const d = get(h5, path);
  if (!isDataset(d)) throw new InputError(`${file}: weight "${printable(path)}" is missing`);
  let values: ArrayLike<number>;
  try {
    values = d.value;
  } catch (err) {
    throw damage(`${file}: weight "${printable(path)}" is truncated or corrupt (its data cannot be read)`, err);
  }
  const size = d.shape.reduce((a, b) => a * b, 1);
  if (!values || values.length !== size)
    throw new InputError(`${file}: weight "${printable(path)}" holds ${values?.length ?? 0} values, its shape [${d.shape.join(', ')}] needs ${size}`);
  return tf.tensor(Float32Array.from(values), d.shape, 'float32');
}

/** Sets each layer's weights (Keras order: kernel, bias; gamma, beta, moving mean, moving variance…). */
function assign(model: tfl.LayersModel, layerName: string, tensors: tf.Tensor[], file: string): void {
  let layer: tfl.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new InputError(`${file}: the weights name layer "${printable(layerName)}", which the architecture does not have`);
  }
  const want = layer.weights;
  if (want.length !== tensors.length)
    throw new InputError(`${file}: layer "${printable(layerName)}" has ${want.length} weights, the file holds ${tensors.length}`);
  want.forEach((w, i) => {
    if (w.shape.join() !== tensors[i].shape.join())
      throw new InputError(
        `${file}: weight ${i} of layer "${printable(layerName)}" has shape [${tensors[i].shape.join(', ')}], the layer needs [${w.shape.join(', ')}]`,
      );
  });
  layer.setWeights(tensors);
}

async function build(config: unknown, file: string): Promise<tfl.LayersModel> {
  const topology = normalizeKerasConfig(config, file);
  try {
    return (await tfl.models.modelFromJSON({ modelTopology: topology } as never)) as tfl.LayersModel;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    const unknown = /Unknown layer: (\w+)/.exec(msg);
    if (unknown) {
      const layers = ((topology.config as { layers?: { class_name?: string; config?: { name?: string } }[] }).layers ?? []).filter(
        (l) => l.class_name === unknown[1],
      );
      const named = layers.map((l) => `"${printable(String(l.config?.name))}"`).join(', ');
      throw new InputError(`${file}: layer ${named || `class "${unknown[1]}"`} is a ${unknown[1]}, which TensorFlow.js cannot run`);
    }
    const e = new InputError(`${file}: the Keras model cannot be built from its configuration: TensorFlow.js refused it (--verbose shows its message)`);
    (e as Error & { cause?: unknown }).cause = err;
    throw e;
  }
}

/** Keras 2 / Keras 3 legacy HDF5: `model_config` attribute, weights under `model_weights`. */
async function loadH5(bytes: Uint8Array, file: string): Promise<tfl.LayersModel> {
  const h5 = openHdf5(bytes, file);
  const configText = h5.attrs.model_config;
  if (configText === undefined) {
    throw new InputError(
      `${file}: holds weights only, no architecture (a .weights.h5 or save_weights file); save the whole model with model.save("model.keras") or model.save("model.h5")`,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(str(configText));
  } catch {
    throw new InputError(`${file}: the model_config attribute is not valid JSON`);
  }
  if (jsonDepth(config, limits().maxJsonDepth) > limits().maxJsonDepth)
    throw new InputError(`${file}: the model_config attribute is nested more than ${limits().maxJsonDepth} levels deep`);
  const model = await build(config, file);
  try {
    const weights = get(h5, 'model_weights') as Group | undefined;
    if (!weights) throw new InputError(`${file}: the file holds an architecture but no model_weights group`);
    for (const layerName of strings(weights.attrs.layer_names)) {
      const group = get(weights, layerName) as Group | undefined;
      const names = strings(group?.attrs.weight_names);
      if (names.length === 0) continue;
      const tensors = names.map((n) => readDataset(h5, `model_weights/${layerName}/${n}`, file));
      try {
        assign(model, layerName, tensors, file);
      } finally {
        tf.dispose(tensors);
      }
    }
    return model;
  } catch (err) {
    model.dispose(); // weights that did not fit must not stay behind in the engine
    throw err;
  }
}

/** Keras 3 `.keras`: a zip of config.json and model.weights.h5 (`layers/<name>/vars/<i>`). */
async function loadKerasArchive(bytes: Uint8Array, file: string): Promise<tfl.LayersModel> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw damage(`${file}: not a readable .keras archive (the zip structure is damaged)`, err);
  }
  if (!entries['config.json']) throw new InputError(`${file}: the .keras archive has no config.json`);
  if (!entries['model.weights.h5']) throw new InputError(`${file}: the .keras archive has no model.weights.h5`);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(entries['config.json']));
  } catch {
    throw new InputError(`${file}: config.json in the archive is not valid JSON`);
  }
  if (jsonDepth(config, limits().maxJsonDepth) > limits().maxJsonDepth)
    throw new InputError(`${file}: config.json in the archive is nested more than ${limits().maxJsonDepth} levels deep`);
  const model = await build(config, file);
  try {
    const h5 = openHdf5(entries['model.weights.h5'], `${file}/model.weights.h5`);
    const layers = get(h5, 'layers') as Group | undefined;
    for (const layer of model.layers) {
      if (layer.weights.length === 0) continue;
      const vars = layers ? (get(layers, `${layer.name}/vars`) as Group | undefined) : undefined;
      if (!vars) throw new InputError(`${file}: model.weights.h5 has no weights for layer "${printable(layer.name)}"`);
      const tensors = layer.weights.map((_, i) => readDataset(h5, `layers/${layer.name}/vars/${i}`, `${file}/model.weights.h5`));
      try {
        assign(model, layer.name, tensors, file);
      } finally {
        tf.dispose(tensors);
      }
    }
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** A Keras model file (.h5 or .keras) as an InspectableModel. */
export async function loadKeras(bytes: Uint8Array, file: string): Promise<LayersInspectableModel> {
  if (/\.weights\.h5$/i.test(file)) {
    throw new InputError(`${file}: holds weights only, no architecture (a .weights.h5 file); save the whole model with model.save("model.keras")`);
  }
  const model = await damaged(file, () => (/\.keras$/i.test(file) ? loadKerasArchive(bytes, file) : loadH5(bytes, file)));
  try {
    return new LayersInspectableModel(file, model, 'keras');
  } catch (err) {
    model.dispose();
    throw err;
  }
}
