/**
 * The model formats Model Lens opens, as names, titles and file extensions: pure data for the CLI's
 * help, the host's file dialogs and the tests. How each is recognised and loaded: formats.ts.
 */
export const MODEL_FORMAT_SPECS = [
  { name: 'tfjs', title: 'TF.js layers and graph models', extensions: ['json'], opens: true },
  // ONNX layers are node outputs, often named by number ("9"): shown as "op (output)".
  // onnxruntime-node can run these files' forward passes (engine/forward-engine.ts).
  { name: 'onnx', title: 'ONNX', extensions: ['onnx'], opens: true, layersByOutput: true, onnxRuntime: true },
  { name: 'keras', title: 'Keras .h5/.keras', extensions: ['h5', 'hdf5', 'keras'], opens: true },
  // Recognised to be refused with the command that converts it.
  { name: 'saved-model', title: 'TensorFlow SavedModel', extensions: ['pb'], opens: false },
] as const;

export type ModelFileFormat = (typeof MODEL_FORMAT_SPECS)[number]['name'];

/** "TF.js layers and graph models, ONNX, Keras .h5/.keras": what the help says Model Lens opens. */
export const MODEL_FORMAT_TITLES = MODEL_FORMAT_SPECS.filter((f) => f.opens)
  .map((f) => f.title)
  .join(', ');

/** File extensions of the formats Model Lens opens (file dialogs). */
export const MODEL_EXTENSIONS: string[] = MODEL_FORMAT_SPECS.filter((f) => f.opens).flatMap((f) => [...f.extensions]);
