/**
 * The child process of the fuzzing harness (fuzz/lib/pool.ts): runs one `model-lens` command line
 * at a time through the CLI's `main()`, as the integration tests do, and reports its exit code,
 * output and time. Models are dropped from the cache after each case so that memory is each case's own.
 */
import { main } from '../src/cli/main';
import * as tf from '@tensorflow/tfjs-core';
import { clearModelCache } from '../src/core/model/load';

interface CaseMessage {
  id: number;
  argv: string[];
}

const send = (m: unknown): void => {
  process.send?.(m);
};

process.on('uncaughtException', (err) => {
  send({ type: 'crash', detail: `uncaught exception: ${err.stack ?? err.message}` });
  process.exit(70);
});
process.on('unhandledRejection', (err) => {
  send({ type: 'crash', detail: `unhandled rejection: ${(err as Error)?.stack ?? String(err)}` });
  process.exit(70);
});

/** What libraries print themselves during a case (XNNPACK's errors, banners): a user would read it too. */
let noise: string[] = [];
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    noise.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
}

process.on('message', async (m: CaseMessage) => {
  const out: string[] = [];
  const err: string[] = [];
  noise = [];
  const before = tf.engine().backendName ? tf.memory().numTensors : 0;
  const started = performance.now();
  const code = await main(
    m.argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  const ms = performance.now() - started;
  try {
    clearModelCache();
  } catch {
    // a model of a trapped engine: the engine was recreated already
  }
  // Tensors the case left in the engine once its models were dropped (a failed load that kept its weights).
  const leaked = Math.max(0, tf.memory().numTensors - before);
  send({ type: 'done', id: m.id, code, stdout: out.join('\n'), stderr: err.join('\n'), ms, leaked, noise: noise.join('').slice(0, 2000) });
});
send({ type: 'ready' });
