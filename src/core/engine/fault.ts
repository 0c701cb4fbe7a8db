import * as tf from '@tensorflow/tfjs-core';

/**
 * Fault injection for the trap-recovery tests: when MODEL_LENS_INJECT_TRAP names the image a job
 * explains (its file name), the wasm backend is made to trap for real — a kernel reads a tensor
 * registered at an address past the end of the heap — exactly as a kernel fed bad shapes would.
 * Without the variable this does nothing.
 */
export function injectTrapIfAsked(file: string): void {
  const want = process.env.MODEL_LENS_INJECT_TRAP;
  if (!want || !file.endsWith(want) || tf.getBackend() !== 'wasm') return;
  const wasm = (
    tf.backend() as unknown as {
      wasm: { tfjs: { registerTensor(id: number, size: number, at: number): void }; _Abs(x: number, dtype: number, out: number): void };
    }
  ).wasm;
  wasm.tfjs.registerTensor(900_001, 1 << 20, 0x7ff00000);
  wasm.tfjs.registerTensor(900_002, 1 << 20, 0x7fe00000);
  wasm._Abs(900_001, 0, 900_002);
}
