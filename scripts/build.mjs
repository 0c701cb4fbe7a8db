// Bundles the command line, the demo scripts and the benchmarks with esbuild, and copies the
// tfjs-backend-wasm binaries next to the bundles (the engine looks there first).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * sharp's JavaScript is bundled, but the binding it loads is always libvips' WebAssembly build
 * (@img/sharp-wasm32), never a native one: a VSIX serves every platform and never runs npm install.
 * The emscripten loader stays a file of its own (dist/sharp/) because its pthreads start workers
 * from their own script file; its .wasm sits beside it.
 */
const sharpWasm = {
  name: 'sharp-wasm',
  setup(b) {
    b.onResolve({ filter: /^\.\/sharp\.cjs$/ }, (args) =>
      /[\\/]sharp[\\/]dist$/.test(args.resolveDir) ? { path: 'sharp-wasm', namespace: 'sharp-wasm' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'sharp-wasm' }, () => ({
      // dist/sharp/, beside the bundle or one or two folders up (dist/demo/, dist/fuzz/ bundles).
      contents: `const path = require('node:path');
const fs = require('node:fs');
let dir = __dirname;
for (let i = 0; i < 2 && !fs.existsSync(path.join(dir, 'sharp', 'sharp-wasm32.node.js')); i++) dir = path.dirname(dir);
module.exports = require(path.join(dir, 'sharp', 'sharp-wasm32.node.js'));`,
      loader: 'js',
    }));
  },
};
const entryPoints = {
  cli: 'src/cli/entry.ts',
  worker: 'src/worker/main.ts',
  ...Object.fromEntries(
    readdirSync('demo/scripts')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [`demo/${f.slice(0, -3)}`, `demo/scripts/${f}`]),
  ),
  ...Object.fromEntries(
    readdirSync('bench')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [`bench/${f.slice(0, -3)}`, `bench/${f}`]),
  ),
  ...Object.fromEntries(
    readdirSync('fuzz')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [`fuzz/${f.slice(0, -3)}`, `fuzz/${f}`]),
  ),
};
/** What every Node bundle shares. */
const node = { outdir: 'dist', bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

await build({
  ...node,
  entryPoints,
  // ESM builds of TensorFlow.js, so that deep imports (register_all_gradients) share one copy.
  mainFields: ['module', 'main'],
  // onnxruntime-web (dev) and onnxruntime-node (when installed) only in the benchmark, loaded from node_modules: each finds its binaries beside its own module.
  external: ['@tensorflow/tfjs-backend-wasm/package.json', '@tensorflow/tfjs-node', 'onnxruntime-web', 'onnxruntime-node'],
  plugins: [sharpWasm],
});

// libvips' WebAssembly loader (with @emnapi/runtime bundled in) and its binary.
const sharpWasmDir = join(dirname(require.resolve('@img/sharp-wasm32/package')), 'lib');
const sharpLoader = readdirSync(sharpWasmDir).find((f) => f.endsWith('.node.js'));
await build({ ...node, entryPoints: { 'sharp/sharp-wasm32.node': join(sharpWasmDir, sharpLoader) }, sourcemap: false });
for (const f of readdirSync(sharpWasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(sharpWasmDir, f), join('dist', 'sharp', f));
// Its licence, and its README's table of the libraries inside (libvips and glib under the LGPL), ship with it.
for (const f of ['LICENSE', 'README.md']) copyFileSync(join(sharpWasmDir, '..', f), join('dist', 'sharp', f));

// The extension host bundle: no TensorFlow.js (test/unit/bundle.test.ts reads the metafile).
const host = await build({ ...node, entryPoints: { extension: 'src/extension.ts' }, external: ['vscode'], metafile: true });
// Webview apps: one browser bundle per panel.
await build({
  entryPoints: {
    'webviews/model': 'src/webviews/model/app/main.ts',
    'webviews/pair': 'src/webviews/pair/app/main.ts',
    'webviews/compare': 'src/webviews/compare/app/main.ts',
    'webviews/spray': 'src/webviews/spray/app/main.ts',
    'webviews/distill': 'src/webviews/distill/app/main.ts',
    'webviews/curves': 'src/webviews/curves/app/main.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  minify: true,
  logLevel: 'warning',
});
mkdirSync('dist', { recursive: true });
writeFileSync('dist/extension.meta.json', JSON.stringify(host.metafile));

const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
mkdirSync('dist', { recursive: true });
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join('dist', f));
