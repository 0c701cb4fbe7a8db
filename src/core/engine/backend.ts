import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installGradients } from './gradients';
import { registerMissingWasmKernels } from './wasm-kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface EngineOptions {
  /** Force one backend; an error if it cannot load (never a silent fallback). */
  backend?: BackendName;
  /** Where a user's own @tensorflow/tfjs-node is installed (the extension's setting); default: resolve from node_modules. */
  tfjsNodePath?: string;
  /** Folder holding the tfjs-backend-wasm .wasm binaries (a bundle copies them next to itself). */
  wasmDir?: string;
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

/**
 * Whether the native backend would be loaded: asked for, or `auto` with @tensorflow/tfjs-node
 * installed (or a path to it given). It is loaded in one thread only (its kernels use every core
 * themselves; a native add-on in several worker threads is not safe), so pools shrink to one worker.
 */
export function nativeBackendChosen(backend: string | undefined, tfjsNodePath?: string): boolean {
  if (backend === 'tensorflow') return true;
  if (backend !== undefined && backend !== 'auto') return false;
  if (tfjsNodePath) return true;
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

export function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/** Beside the bundle (dist/, where the build copies the binaries), else the package in node_modules. */
function defaultWasmDir(): string {
  if (fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm.wasm'))) return __dirname;
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

let wasmPathsSet = false;
// PROD silences tfjs's console banners (they would corrupt the CLI's --json output).
tf.env().set('PROD', true);

async function tryBackend(name: BackendName, opts: EngineOptions): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') {
      // Loading tfjs-node registers the 'tensorflow' backend in the global tfjs registry; its path is a setting, so require.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(opts.tfjsNodePath ?? '@tensorflow/tfjs-node');
      if (!tf.findBackendFactory('tensorflow')) return 'the module loaded but registered no "tensorflow" backend';
    } else if (name === 'wasm' && !wasmPathsSet) {
      const dir = opts.wasmDir ?? defaultWasmDir();
      setWasmPaths(dir.endsWith(path.sep) ? dir : dir + path.sep);
      wasmPathsSet = true;
    }
    const ok = await tf.setBackend(name);
    if (!ok) return 'its initialisation failed';
    await tf.ready();
    if (name === 'wasm') registerMissingWasmKernels();
    installGradients();
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

/**
 * Chooses the backend: the forced one (option, then MODEL_LENS_BACKEND), else the first of
 * tensorflow → wasm → cpu that loads. Returns the backend in use.
 */
export async function initEngine(opts: EngineOptions = {}): Promise<BackendName> {
  const envChoice = process.env.MODEL_LENS_BACKEND?.trim();
  const forced = opts.backend ?? (envChoice ? envChoice : undefined);
  if (forced !== undefined) {
    if (!isBackendName(forced)) {
      throw new BackendError(`Unknown backend "${forced}": choose one of ${BACKENDS.join(', ')}.`);
    }
    if (tf.getBackend() === forced && tf.engine().backendName === forced) return forced;
    const why = await tryBackend(forced, opts);
    if (why) throw new BackendError(`The ${forced} backend could not be loaded: ${why}`);
    return forced;
  }
  const current = tf.engine().backendName as string | null;
  if (current && isBackendName(current) && current !== 'cpu') return current;
  for (const name of BACKENDS) {
    if ((await tryBackend(name, opts)) === undefined) return name;
  }
  throw new BackendError('No TensorFlow.js backend could be loaded (tried tensorflow, wasm, cpu).');
}

export function currentBackend(): BackendName {
  return tf.getBackend() as BackendName;
}

/**
 * Discards the current backend's instance and makes a fresh one (for wasm: a new WebAssembly module
 * and heap), keeping its registration. Every tensor of the old instance is gone: the caller drops
 * whatever held them (the model cache) first.
 */
export async function recreateBackend(): Promise<BackendName> {
  const name = currentBackend();
  const factory = tf.findBackendFactory(name);
  if (!factory) throw new BackendError(`The ${name} backend cannot be recreated (no factory is registered).`);
  const priority = (tf.engine().registryFactory as Record<string, { priority: number }>)[name]?.priority ?? 1;
  tf.removeBackend(name);
  tf.registerBackend(name, factory, priority);
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`The ${name} backend could not be recreated.`);
  await tf.ready();
  if (name === 'wasm') registerMissingWasmKernels();
  installGradients();
  return name;
}
