import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The wasm backend lacks some kernels, gradients among them (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackprop{Input,Filter}, UnsortedSegmentSum, ...). For each kernel the cpu
 * backend has and wasm does not, register a wasm kernel that copies the inputs out of the wasm heap,
 * runs the cpu backend's own (tested) kernel on a private cpu backend instance, and copies the
 * result back. These kernels only run in backward passes, so the copies are cheap next to the rest.
 */
const NUMERIC: ReadonlySet<string> = new Set(['float32', 'int32', 'bool']);
let registered = false;

export function missingWasmKernels(): string[] {
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  return tf
    .getKernelsForBackend('cpu')
    .map((k) => k.kernelName)
    .filter((name) => !wasm.has(name));
}

export function registerMissingWasmKernels(): string[] {
  if (registered) return [];
  registered = true;
  const cpu = new MathBackendCPU();
  const added: string[] = [];
  for (const name of missingWasmKernels()) {
    const cpuKernel = tf.getKernel(name, 'cpu');
    if (!cpuKernel) continue;
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const wasm = backend as BackendWasm;
        const cpuInputs: Record<string, tf.TensorInfo> = {};
        const written: tf.DataId[] = [];
        try {
          for (const [key, info] of Object.entries(inputs)) {
            if (!info) continue;
            if (!NUMERIC.has(info.dtype)) throw new Error(`${name} on wasm: dtype ${info.dtype} is not supported`);
            const dataId = cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype);
            written.push(dataId);
            cpuInputs[key] = { dataId, shape: info.shape, dtype: info.dtype };
          }
          const out = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu });
          const outs = Array.isArray(out) ? out : [out];
          const copied = outs.map((o) => {
            const values = cpu.readSync(o.dataId);
            cpu.disposeData(o.dataId, true);
            return wasm.makeOutput(o.shape, o.dtype, undefined, values);
          });
          return Array.isArray(out) ? copied : copied[0];
        } finally {
          for (const id of written) cpu.disposeData(id, true);
        }
      },
    });
    added.push(name);
  }
  return added;
}
