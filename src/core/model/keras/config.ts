import { InputError } from '../../errors';

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
const TRAINING_ONLY = new Set(['RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomContrast', 'RandomTranslation', 'RandomBrightness', 'RandomCrop', 'RandomHeight', 'RandomWidth', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'SpatialDropout1D', 'SpatialDropout2D', 'ActivityRegularization']);
/** Old or aliased class names → what TF.js registers. */
const RENAMED: Record<string, string> = { Functional: 'Model', BatchNormalizationV1: 'BatchNormalization', BatchNormalizationV2: 'BatchNormalization', Conv2DV2: 'Conv2D', ReLU6: 'ReLU' };
/** Config keys that only matter for training or for Keras itself. */
const DROP = new Set(['build_config', 'compile_config', 'kernel_initializer', 'bias_initializer', 'depthwise_initializer', 'pointwise_initializer', 'gamma_initializer', 'beta_initializer', 'moving_mean_initializer', 'moving_variance_initializer', 'embeddings_initializer', 'kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_regularizer', 'pointwise_regularizer', 'gamma_regularizer', 'beta_regularizer', 'kernel_constraint', 'bias_constraint', 'depthwise_constraint', 'pointwise_constraint', 'gamma_constraint', 'beta_constraint', 'lora_rank', 'lora_alpha', 'quantization_config', 'synchronized', 'seed']);

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
    throw new InputError(`${file}: layer "${name}" is a ${className} (Python code), which TensorFlow.js cannot run; replace it with standard layers before saving`);
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
  else config = cleanLayer(config, file, name);
  out.class_name = className;
  out.config = config;
  if ('inbound_nodes' in out) out.inbound_nodes = inboundNodes(out.inbound_nodes);
  return out;
}

function cleanLayer(config: Json, file: string, name: string): Json {
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
      if (v !== 1) throw new InputError(`${file}: layer "${name}" is a grouped convolution (groups=${v}), which TensorFlow.js does not support`);
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

function modelConfig(className: string, config: Json, file: string): Json {
  const out: Json = { ...config };
  delete out.build_input_shape;
  if (Array.isArray(config.layers)) out.layers = config.layers.map((l) => (isObj(l) ? layerConfig(l, file) : l));
  if (className === 'Model') {
    out.input_layers = tensorList(config.input_layers);
    out.output_layers = tensorList(config.output_layers);
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
