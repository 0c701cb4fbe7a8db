/**
 * An error the user can act on: bad input (a file, an argument), reported in one sentence that
 * names the file or the argument. The CLI exits with code 2 on these.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Thrown when a job's AbortSignal fires. */
export class AbortError extends Error {
  constructor(message = 'The job was cancelled.') {
    super(message);
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError();
}

/**
 * A WebAssembly runtime error ("memory access out of bounds", "unreachable"…) inside TensorFlow.js's
 * wasm backend: input validation should have prevented it. The engine that trapped may be corrupt,
 * so the caller recreates it (src/core/recover.ts) before the next job.
 */
export function isWasmTrap(err: unknown): boolean {
  const RuntimeError = (globalThis as { WebAssembly?: { RuntimeError: new () => Error } }).WebAssembly?.RuntimeError;
  if (RuntimeError && err instanceof RuntimeError) return true;
  const e = err as { name?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (
    e.name === 'RuntimeError' &&
    typeof e.message === 'string' &&
    /memory access out of bounds|unreachable|out of bounds|divide by zero|integer overflow|call stack exhausted|Aborted/i.test(e.message)
  )
    return true;
  return e.cause !== undefined && e.cause !== err && isWasmTrap(e.cause);
}

/** "a, b or c": how messages list the choices of an option. */
export function orList(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
