import { InputError } from '../../errors';
import { printable } from '../../io/files';

/**
 * Keras configs as TensorFlow.js layers can build them. Keras ≥ 2.13 and 3 write things TF.js
 * rejects or does not know: `{module, class_name, config, registered_name, build_config}` wrappers,
 * `DTypePolicy` objects for dtypes, InputLayer `batch_shape`, Keras 3's functional inbound nodes
 * (`{args: [keras tensors], kwargs}`), `Functional` as a class name. Augmentation layers act as
 * identity at inference and become linear activations; a Lambda layer (Python code) is refused,
 * naming the layer.
 */
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Layers that only act in training (Keras preprocessing augmentation): identity at inference. */
const TRAINING_ONLY = new Set([
  'RandomFlip',
  'RandomRotation',
  'RandomZoom',
  'RandomContrast',
  'RandomTranslation',
  'RandomBrightness',
  'RandomCrop',
  'RandomHeight',
  'RandomWidth',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'ActivityRegularization',
]);
/** Old or aliased class names → what TF.js registers. */
const RENAMED: Record<string, string> = {
  Functional: 'Model',
  BatchNormalizationV1: 'BatchNormalization',
  BatchNormalizationV2: 'BatchNormalization',
  Conv2DV2: 'Conv2D',
  ReLU6: 'ReLU',
};
/** Config keys that only matter for training or for Keras itself. */
const DROP = new Set([
  'build_config',
  'compile_config',
  'kernel_initializer',
  'bias_initializer',
  'depthwise_initializer',
  'pointwise_initializer',
  'gamma_initializer',
  'beta_initializer',
  'moving_mean_initializer',
  'moving_variance_initializer',
  'embeddings_initializer',
  'kernel_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'depthwise_regularizer',
  'pointwise_regularizer',
  'gamma_regularizer',
  'beta_regularizer',
  'kernel_constraint',
  'bias_constraint',
  'depthwise_constraint',
  'pointwise_constraint',
  'gamma_constraint',
  'beta_constraint',
  'lora_rank',
  'lora_alpha',
  'quantization_config',
  'synchronized',
  'seed',
]);

function dtypeName(v: unknown): string | undefined {
  if (typeof v === 'string') return v.startsWith('mixed_') ? 'float32' : v;
  if (isObj(v)) {
    const c = v.config;
    const name = isObj(c) ? c.name : undefined;
    if (typeof name === 'string') return name.startsWith('mixed_') ? 'float32' : name;
  }
  return undefined;
}

/** Keras 3 inbound nodes → Keras 2's [[[layer, node, tensor, kwargs], …], …]. */
function inboundNodes(nodes: unknown): unknown {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((node) => {
    if (!isObj(node) || !('args' in node)) return node;
    const tensors: unknown[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (isObj(v) && v.class_name === '__keras_tensor__' && isObj(v.config) && Array.isArray(v.config.keras_history)) {
        const [layer, nodeIndex, tensorIndex] = v.config.keras_history as [string, number, number];
        tensors.push([layer, nodeIndex, tensorIndex, {}]);
      }
    };
    collect(node.args);
    return tensors;
  });
}

/** `[["in", 0, 0]]` or Keras 3's single `["in", 0, 0]` → a list of lists. */
const tensorList = (v: unknown): unknown => (Array.isArray(v) && typeof v[0] === 'string' ? [v] : v);

function layerConfig(layer: Json, file: string): Json {
  let className = String(layer.class_name ?? '');
  const name = isObj(layer.config) ? String(layer.config.name ?? layer.name ?? '') : String(layer.name ?? '');
  if (className === 'Lambda' || className === 'TFOpLambda' || className === 'SlicingOpLambda') {
    throw new InputError(
      `${file}: layer "${printable(name)}" is a ${className} (Python code), which TensorFlow.js cannot run; replace it with standard layers before saving`,
    );
  }
  const out: Json = { ...layer };
  delete out.module;
  delete out.registered_name;
  delete out.build_config;
  delete out.compile_config;
  let config: Json = isObj(layer.config) ? { ...layer.config } : {};
  if (TRAINING_ONLY.has(className)) {
    className = 'Activation';
    config = { name, activation: 'linear', trainable: false };
  }
  className = RENAMED[className] ?? className;
  if (className === 'ReLU' && layer.class_name === 'ReLU6') config.max_value = 6;
  if (className === 'Sequential' || className === 'Model') config = modelConfig(className, config, file);
  else config = cleanLayer(config, file, name, className);
  out.class_name = className;
  out.config = config;
  if ('inbound_nodes' in out) out.inbound_nodes = inboundNodes(out.inbound_nodes);
  return out;
}

const printableValue = (v: unknown): string => printable(JSON.stringify(v) ?? String(v), 40);

/** Sizes that must be whole numbers ≥ 1 (a kernel, a stride, a count of units), one or a list. */
const POSITIVE_SIZES: Record<string, number> = {
  filters: 1 << 20,
  units: 1 << 24,
  kernel_size: 1 << 16,
  strides: 1 << 16,
  pool_size: 1 << 16,
  dilation_rate: 1 << 16,
  depth_multiplier: 1 << 12,
  size: 1 << 12,
  n: 1 << 16,
};
const ENUMS: Record<string, (string | null)[]> = {
  data_format: ['channels_first', 'channels_last', null],
  interpolation: ['nearest', 'bilinear', 'bicubic', 'area', 'lanczos3', 'lanczos5', 'gaussian', 'mitchellcubic'],
};

/**
 * The values TensorFlow.js trusts when it builds a layer, checked first so that a damaged config
 * gets a sentence naming the layer and the key, not a TypeError from inside TensorFlow.js.
 */
function checkLayerConfig(config: Json, file: string, name: string, className: string): void {
  const bad = (key: string, v: unknown, what: string): never => {
    throw new InputError(`${file}: layer "${name}" (${className}) has an invalid ${key} (${printableValue(v)}; ${what})`);
  };
  for (const [key, max] of Object.entries(POSITIVE_SIZES)) {
    if (!(key in config) || config[key] === null || config[key] === undefined) continue;
    const v = config[key];
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0 || list.some((x) => !Number.isSafeInteger(x) || (x as number) < 1 || (x as number) > max))
      bad(key, v, `expected whole numbers from 1 to ${max}`);
  }
  for (const [key, allowed] of Object.entries(ENUMS)) {
    if (key in config && !allowed.includes(config[key] as string | null)) bad(key, config[key], `expected ${allowed.filter((a) => a !== null).join(' or ')}`);
  }
  if ('padding' in config && typeof config.padding === 'string' && !['valid', 'same', 'causal'].includes(config.padding))
    bad('padding', config.padding, 'expected valid, same or causal');
  if ('padding' in config && typeof config.padding !== 'string' && !/Padding|Cropping/.test(className))
    bad('padding', config.padding, 'expected valid, same or causal');
  if ('padding' in config && typeof config.padding !== 'string') {
    const flat = [config.padding].flat(2);
    if (flat.length === 0 || flat.some((x) => !Number.isSafeInteger(x) || (x as number) < 0 || (x as number) > 1 << 16))
      bad('padding', config.padding, 'expected valid, same, causal or whole numbers ≥ 0');
  }
  for (const key of ['batch_input_shape', 'batch_shape', 'input_shape', 'target_shape']) {
    if (!(key in config) || config[key] === null) continue;
    const v = config[key];
    if (
      !Array.isArray(v) ||
      v.length > 8 ||
      v.some((d) => d !== null && (!Number.isSafeInteger(d) || (d as number) < (key === 'target_shape' ? -1 : 1) || d === 0 || (d as number) > 1 << 24))
    ) {
      bad(key, v, 'expected a list of sizes ≥ 1 or null');
    }
  }
  if ('rate' in config && (typeof config.rate !== 'number' || !(config.rate >= 0 && config.rate < 1)))
    bad('rate', config.rate, 'expected a number from 0 to below 1');
  if ('scale' in config && typeof config.scale !== 'boolean' && (typeof config.scale !== 'number' || !Number.isFinite(config.scale)))
    bad('scale', config.scale, 'expected true, false or a finite number');
  for (const key of ['epsilon', 'momentum', 'alpha', 'theta', 'max_value', 'negative_slope', 'threshold', 'stddev', 'offset']) {
    if (key in config && config[key] !== null && (typeof config[key] !== 'number' || !Number.isFinite(config[key])))
      bad(key, config[key], 'expected a finite number');
  }
  if ('axis' in config && config.axis !== null) {
    const list = Array.isArray(config.axis) ? config.axis : [config.axis];
    if (list.some((a) => !Number.isSafeInteger(a) || Math.abs(a as number) > 8)) bad('axis', config.axis, 'expected an axis from -8 to 8');
  }
  for (const key of ['activation', 'recurrent_activation', 'name']) {
    if (key in config && config[key] !== null && typeof config[key] !== 'string' && !isObj(config[key])) bad(key, config[key], 'expected a name');
  }
  for (const key of ['use_bias', 'center', 'trainable', 'return_sequences']) {
    if (key in config && typeof config[key] !== 'boolean' && config[key] !== undefined) bad(key, config[key], 'expected true or false');
  }
}

function cleanLayer(config: Json, file: string, name: string, className = 'layer'): Json {
  checkLayerConfig(config, file, name, className);
  const out: Json = {};
  for (const [k, v] of Object.entries(config)) {
    if (DROP.has(k)) continue;
    if (k === 'dtype') {
      const d = dtypeName(v);
      if (d) out.dtype = d;
      continue;
    }
    if (k === 'batch_shape') {
      out.batch_input_shape = v;
      continue;
    }
    if (k === 'groups') {
      if (v !== 1)
        throw new InputError(
          `${file}: layer "${printable(name)}" is a grouped convolution (groups=${printableValue(v)}), which TensorFlow.js does not support`,
        );
      continue;
    }
    if (k === 'axis' && Array.isArray(v) && v.length === 1) {
      out.axis = v[0];
      continue;
    }
    out[k] = unwrap(v);
  }
  return out;
}

/** Nested Keras objects (activations as objects, …) without their Keras 3 wrappers. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (!isObj(v)) return v;
  if ('class_name' in v && 'module' in v) {
    const { class_name, config } = v;
    return { class_name, config: unwrap(config) };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
}

/**
 * A functional model's wiring: layer names are unique strings, and every inbound node and model
 * input or output names a layer of the model with whole-number node and tensor indices (TF.js loops
 * or throws a TypeError on anything else).
 */
function checkGraph(config: Json, file: string): void {
  const names = new Set<string>();
  const layers = config.layers as Json[];
  /** How many times each layer is called: a reference to node k of a layer needs k below that (an input layer has node 0). */
  const calls = new Map<string, number>();
  for (const l of layers) {
    const name = l.name;
    if (typeof name !== 'string') {
      throw new InputError(`${file}: a ${String(l.class_name)} layer has no name (or one that is not a string), so the model cannot be wired`);
    }
    if (names.has(name)) throw new InputError(`${file}: two layers are named "${printable(name)}"`);
    names.add(name);
    calls.set(name, Array.isArray(l.inbound_nodes) && l.inbound_nodes.length > 0 ? l.inbound_nodes.length : l.class_name === 'InputLayer' ? 1 : 0);
  }
  const ref = (r: unknown, where: string): void => {
    if (
      !Array.isArray(r) ||
      typeof r[0] !== 'string' ||
      !names.has(r[0]) ||
      !Number.isSafeInteger(r[1]) ||
      (r[1] as number) < 0 ||
      (r[1] as number) >= calls.get(r[0])! ||
      !Number.isSafeInteger(r[2]) ||
      (r[2] as number) < 0
    ) {
      throw new InputError(`${file}: ${where} refers to ${printableValue(r)}, which is not [a layer of the model, node index, tensor index]`);
    }
  };
  for (const l of layers) {
    const nodes = l.inbound_nodes;
    if (nodes === undefined) continue;
    if (!Array.isArray(nodes)) throw new InputError(`${file}: layer "${String(l.name)}" has inbound nodes that are not a list`);
    for (const node of nodes) {
      if (!Array.isArray(node) || node.length === 0)
        throw new InputError(`${file}: layer "${String(l.name)}" has an inbound node that is not a list of inputs`);
      for (const r of node) ref(r, `layer "${String(l.name)}"`);
    }
  }
  for (const key of ['input_layers', 'output_layers']) {
    const list = config[key];
    if (!Array.isArray(list) || list.length === 0) throw new InputError(`${file}: the model's ${key} are missing`);
    for (const r of list) ref(r, `the model's ${key}`);
  }
}

function modelConfig(className: string, config: Json, file: string): Json {
  const out: Json = { ...config };
  delete out.build_input_shape;
  if (!Array.isArray(config.layers) || config.layers.some((l) => !isObj(l) || typeof l.class_name !== 'string')) {
    throw new InputError(`${file}: the ${className} configuration's layer list is missing or malformed (every layer needs a class_name and a config)`);
  }
  out.layers = config.layers.map((l) => layerConfig(l as Json, file));
  if (className === 'Model') {
    out.input_layers = tensorList(config.input_layers);
    out.output_layers = tensorList(config.output_layers);
    checkGraph(out, file);
  }
  return out;
}

/** The whole `model_config` (or Keras 3 `config.json`) made buildable by TensorFlow.js layers. */
export function normalizeKerasConfig(raw: unknown, file: string): Json {
  if (!isObj(raw) || typeof raw.class_name !== 'string') throw new InputError(`${file}: the model configuration is not a Keras model`);
  const top = layerConfig(raw, file);
  if (top.class_name !== 'Sequential' && top.class_name !== 'Model') {
    throw new InputError(`${file}: the saved object is a single ${raw.class_name} layer, not a model`);
  }
  return { class_name: top.class_name, config: top.config };
}
