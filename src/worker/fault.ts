import * as fs from 'node:fs';

/**
 * Fault injection for the pool's tests: when MODEL_LENS_INJECT_WORKER_EXIT is `<image name>:<marker
 * file>` and the job's image ends with that name, the worker thread exits — once: the marker file
 * is created first, and a worker that finds it carries on. Without the variable this does nothing.
 */
export function exitIfAsked(file: string): void {
  const want = process.env.MODEL_LENS_INJECT_WORKER_EXIT;
  if (!want) return;
  const [name, marker] = want.split(':');
  if (!marker || !file.endsWith(name) || fs.existsSync(marker)) return;
  fs.writeFileSync(marker, file);
  process.exit(3);
}
