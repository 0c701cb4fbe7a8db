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
