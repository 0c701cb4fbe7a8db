// Lint: typescript-eslint's recommended rules plus the layer boundaries of docs/ARCHITECTURE.md,
// as import-x zones (a file in `target` may not import from `from`, except the listed files).
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Core modules a webview may import: pure data and functions, no TensorFlow.js, no Node. */
export const PURE_CORE = [
  './explain/specs.ts',
  './explain/pair/specs.ts',
  './explain/scores.ts',
  './image/specs.ts',
  './model/specs.ts',
  './logs/smooth.ts',
  './spray/colours.ts',
  './explain/file-job.ts',
  './explain/split.ts',
  './spray/maps-job.ts',
  './metrics/types.ts',
  './distill/compare-types.ts',
  './distill/knowledge-types.ts',
];

export const ZONES = [
  // src/core is pure: no host, webview, worker or CLI code.
  {
    target: './src/core',
    from: ['./src/host', './src/webviews', './src/worker', './src/cli', './src/extension.ts'],
    message: 'src/core imports no host, webview, worker or CLI code (docs/ARCHITECTURE.md).',
  },
  // src/protocol holds types both sides share; it imports nothing of ours but (types of) the pure spec modules.
  { target: './src/protocol', from: ['./src/host', './src/webviews', './src/worker', './src/cli'], message: 'src/protocol imports nothing.' },
  { target: './src/protocol', from: './src/core', except: PURE_CORE, message: 'src/protocol imports nothing (but types of the pure spec modules).' },
  // A webview app runs in the browser: protocol files, shared app helpers and pure core modules only.
  {
    target: './src/webviews/*/app/**/*',
    from: ['./src/host', './src/worker', './src/cli', './src/extension.ts'],
    message: 'webview apps import only protocol files and pure core modules.',
  },
  {
    target: './src/webviews/*/app/**/*',
    from: './src/core',
    except: PURE_CORE,
    message: 'webview apps import only pure core modules (PURE_CORE in eslint.config.mjs).',
  },
  // The pool starts workers and talks to them through the protocol: no core, host, webview or CLI code.
  {
    target: './src/pool',
    from: ['./src/host', './src/webviews', './src/worker', './src/cli', './src/extension.ts'],
    message: 'src/pool knows the worker only through src/protocol.',
  },
  { target: './src/pool', from: './src/core', except: PURE_CORE, message: 'src/pool imports (types of) the pure core modules only.' },
  // The worker and CLI do not reach into the host or the webviews.
  {
    target: ['./src/worker', './src/cli'],
    from: ['./src/host', './src/webviews', './src/extension.ts'],
    message: 'the worker and the CLI import no host or webview code.',
  },
];

/** The host bundle loads no TensorFlow.js: no TF.js package and no core module that computes with it. */
const HOST_FILES = ['src/host/**/*.ts', 'src/extension.ts', 'src/webviews/*/panel.ts', 'src/webviews/*/protocol.ts'];
const TFJS_FREE_MESSAGE = 'the extension host loads no TensorFlow.js: computations go through the worker (src/protocol/worker.ts).';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', '.scratch-local/**', '.vscode-test/**', 'test/fixtures/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } } },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: ZONES }],
      'import-x/no-cycle': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['vscode'], message: 'only src/host, src/extension.ts and the webview panels talk to VS Code.' }] },
      ],
    },
  },
  {
    files: ['src/host/**/*.ts', 'src/extension.ts', 'src/webviews/*/panel.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tests and the fuzzer take JSON apart on purpose.
    files: ['test/**/*.ts', 'fuzz/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: HOST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tensorflow/*'], message: TFJS_FREE_MESSAGE },
            { regex: 'core/engine/|core/model/(?!(specs|modellens-json)$)|core/explain/(?!(pair/)?specs$)', message: TFJS_FREE_MESSAGE },
          ],
        },
      ],
    },
  },
  {
    files: ['src/webviews/*/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['vscode', 'node:*', '@tensorflow/*'], message: 'webview apps run in the browser: no vscode, Node or TensorFlow.js.' }] },
      ],
    },
  },
);
