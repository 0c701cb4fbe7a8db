/**
 * The command line's bundle (dist/cli.js): `node dist/cli.js …` runs it; bin/model-lens.js calls
 * `run()` itself. Kept apart from main.ts so that other bundles that import main() (the fuzzing
 * harness, the demo scripts) do not start the command line as they load.
 */
import { run } from './main';

export * from './main';

if (require.main === module) run();
