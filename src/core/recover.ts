import { recreateBackend } from './engine/backend';
import { clearModelCache } from './model/load';

/**
 * After a WebAssembly trap: the models (whose weights lived in the trapped heap) are dropped and the
 * backend is recreated, so that the next job runs on a clean engine (the worker and the CLI call it).
 */
export async function recoverFromTrap(): Promise<void> {
  try {
    clearModelCache();
  } catch {
    // disposing tensors of a corrupt heap may fail: the new backend replaces them all anyway
  }
  await recreateBackend();
}
