// What a failed job tells the host: a sentence of ours, and the underlying library's text as a detail for the log.

/** Errors of ours (one sentence naming the file or the setting) pass as they are; anything else becomes one of ours, its text kept as the detail the host logs. */
export const OUR_ERRORS = ['InputError', 'AbortError', 'BackendError'];
export function ourError(e: Error, what: string): { name: string; message: string; detail?: string } {
  const cause = (e as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? cause.message : cause !== undefined ? String(cause) : undefined;
  if (OUR_ERRORS.includes(e.name)) return { name: e.name, message: e.message.split('\n')[0], ...(causeText ? { detail: causeText.slice(0, 2000) } : {}) };
  return {
    name: e.name || 'Error',
    message: `The ${what} job failed inside Model Lens or TensorFlow.js (${e.name || 'an error'}); the Model Lens output channel has the details.`,
    detail: `${e.message}${e.stack ? `\n${e.stack}` : ''}`.slice(0, 4000),
  };
}
