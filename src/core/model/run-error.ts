import { AbortError, InputError, isWasmTrap } from '../errors';
import { BackendError } from '../engine/backend';

/**
 * An error from inside TensorFlow.js while a model from a file runs (an operation whose inputs do
 * not fit, a gradient it cannot take): after our own checks, that is the file's doing, so it becomes
 * one sentence naming the file, TensorFlow.js's own message kept as the cause for --verbose. Our
 * errors, cancellation and WebAssembly traps pass through unchanged.
 */
export function asModelError(err: unknown, modelPath: string, what: string): unknown {
  if (err instanceof InputError || err instanceof AbortError || err instanceof BackendError || isWasmTrap(err)) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const sentence = /gradient/i.test(msg)
    ? `${modelPath}: ${what} needs a gradient that TensorFlow.js cannot take through this model (--verbose shows its message)`
    : `${modelPath}: the model fails when ${what} runs it: an operation's inputs do not fit (--verbose shows TensorFlow.js's message)`;
  const e = new InputError(sentence);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}
