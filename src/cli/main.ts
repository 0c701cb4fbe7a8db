import { BackendError, BACKENDS, currentBackend, initEngine, isBackendName } from '../core/engine/backend';
import { imageDecoderVersion } from '../core/image/decode';
import { InputError, isWasmTrap } from '../core/errors';
import { recoverFromTrap } from '../core/recover';
import { loadModel, ONNX_SUMMARY_FORMAT, onnxOperators } from '../core/model/load';
import { MODEL_FORMAT_TITLES } from '../core/model/specs';
import { LOG_FORMAT_TITLES } from '../core/logs/formats';
import { formatOperators, formatSummary, summarize } from '../core/model/summary';
import { DEFAULT_LIMITS, setLimits, type Limits } from '../core/limits';
import { parse } from './args';
import { METHOD_PARAMS, METHODS } from '../core/explain/specs';
import { ASSIGNS, JOINTS, PAIR_METHODS, SIMILARITIES, TRANSFORMS } from '../core/explain/pair/specs';
import { CHANNEL_ORDERS, COLOR_MODES, COLORMAPS, PREPROCESS_PRESETS, RESIZE_MODES, SCALES } from '../core/image/specs';
import { compareCommand } from './compare-command';
import { knowledgeCommand } from './knowledge-command';
import { distillCommand } from './distill-command';
import { sprayCommand } from './spray-command';
import { evaluateCommand } from './evaluate-command';
import { EMBEDDINGS } from '../core/spray/spray-run';
import { curvesCommand } from './curves-command';
import { explainCommand } from './explain-command';
import { mergeCommand } from './merge-command';
import { pairCommand } from './pair-command';

/** Words laid out in lines of at most `width` characters, the first after `first`, the others after `indent`. */
function wrap(words: string[], first: string, indent: string, width = 100): string {
  const lines = [first];
  for (const w of words) {
    const line = lines[lines.length - 1];
    if (line.length > indent.length && line.length + 1 + w.length > width) lines.push(indent + w);
    else lines[lines.length - 1] = line.endsWith(' ') || line === '' ? line + w : `${line} ${w}`;
  }
  return lines.join('\n');
}

const choice = (names: readonly string[]) => names.join('|');
/** `[--steps N]`, `[--baseline zero|mean|blur]`…: every method parameter's flag, from METHOD_PARAMS. */
const paramUsage = Object.values(METHOD_PARAMS).map((p) => `[--${p.flag} ${p.kind === 'choice' ? choice(p.choices) : p.kind === 'int' ? 'N' : 'F'}]`);

const HELP = `model-lens — look inside neural networks (${MODEL_FORMAT_TITLES}) and their training curves

usage:
  model-lens summary <model> [--json] [--backend ${choice(BACKENDS)}]
${wrap(
  [
    ...['<model>', '<image or folder>', '[--method M]', '[--layer NAME[,NAME…]]', '[--target top|INDEX]', '[--output NAME]'],
    ...paramUsage,
    ...['[--out overlay.png]', '[--colorbar]', '[--heatmap-out map.json]', `[--colormap ${choice(COLORMAPS)}]`, '[--opacity F]', '[--top-k N]'],
    ...[`[--preprocess ${choice(Object.keys(PREPROCESS_PRESETS))}]`, `[--scale ${choice(SCALES)}]`, '[--mean a,b,c]', '[--std a,b,c]'],
    ...[`[--channel-order ${choice(CHANNEL_ORDERS)}]`, `[--resize ${choice(RESIZE_MODES)}]`, `[--color ${choice(COLOR_MODES)}]`, '[--invert]'],
    ...[`[--backend ${choice(BACKENDS)}]`, '[--json]', '[--workers N]', '[--shard K/N]', '[--fresh]', '[--no-cache]'],
  ],
  '  model-lens explain',
  '      ',
)}
      a folder: every PNG and JPEG in it on --workers workers (default one per core), written to --out DIR
      (default <folder>/model-lens-out) with summary.csv and results.json; each image cached there, so a
      re-run continues where the last stopped (--fresh recomputes and rewrites it, --no-cache neither reads
      nor writes it); --shard K/N takes the K-th of N shares (1 ≤ K ≤ N, by a hash of the image's path)
${wrap(
  [
    ...['<encoder>', '<imageA>', '[<imageB> | --augment SPEC]', '--method M', '[--layer NAME]', '[--embedding NAME]', `[--similarity ${choice(SIMILARITIES)}]`],
    ...['[--window N]', '[--stride N]', '[--samples N]', '[--temperature T]', `[--assign ${choice(ASSIGNS)}]`, `[--joint ${choice(JOINTS)}]`],
    ...[`[--transform ${choice(TRANSFORMS)}]`, '[--seed N]', '[--batch-size N]', '[--heatmap-out maps.json]', '[--out overlay.png]', '[--view-out view.png]'],
    ...['[--metrics]', '[--colormap …]', '[--opacity F]', '[--preprocess …]', `[--backend ${choice(BACKENDS)}]`, '[--workers N]', '[--json]'],
  ],
  '  model-lens pair',
  '      ',
)}
      SPEC: comma-separated crop=S, flip, jitter=S, gray, blur=SIGMA, solarize=T, rotate=DEG
  model-lens compare <model> <model>... <image or folder> [--method M] [--layer NAME]... [--labels FILE]
      [--boxes FILE] [--out DIR] [--fresh] [--no-cache] [--backend …] [--workers N] [--json]
      two or more models on the same images: accuracy, agreement with the first, KL, pointing game, map similarity;
      with --out, each image is cached there (a re-run continues where the last stopped)
  model-lens knowledge <model> <image or folder> --boxes FILE [--layer NAME] [--checkpoints DIR|GLOB]
      [--steps N] [--samples N] [--lambda L] [--b B] [--seed N] [--heatmap-out FILE] [--out DIR] [--fresh] [--no-cache]
      [--backend …] [--workers N] [--json]
      knowledge points (Cheng et al. 2020): N_fg, N_bg, λ_fg per image; D_mean, D_std, ρ over checkpoints;
      with --out, results.json and each image's points per model cached there
  model-lens distill --student MODEL|ARCH --data DIR [--teacher MODEL]... [--val DIR|--val-split F]
      [--loss ce:W,kd:W | --alpha A] [--temperature 4] [--epochs 10] [--batch-size 32] [--lr 0.001]
      [--optimizer adam|sgd] [--assistant MODEL|ARCH]... [--schedule asdt:PERIOD:DUTY] [--pairs T:S,…] [--augment SPEC]
      [--logdir runs] [--run-name NAME] [--seed 0] [--resume] [--backend …] [--json]
      trains a student from a teacher (or through assistants) on an ImageFolder; every loss term logged
      (event file, metrics.csv), a checkpoint per epoch
  model-lens spray <model> <folder> --class C [--method M] [--grid 16] [--neighbours 10] [--clusters auto|N]
      [--embedding ${choice(EMBEDDINGS)}] [--seed 0] [--out DIR] [method parameters] [--backend …] [--workers N] [--json]
      spectral relevance analysis: the class's heat maps over every image below the folder, clustered
      (eigengap, k-means) and embedded in 2-D; each cluster's mean map (a shortcut is a cluster of its own)
  model-lens evaluate <model> <image or folder> [--method M]... [--boxes FILE] [--sanity] [--backend …] [--workers N]
      [--json]
      can the maps be trusted: deletion and insertion AUC, pointing games, each beside a random baseline;
      --sanity: rank correlation with the original map as layers are randomised from the top
  model-lens merge <folder>... --out DIR [--json]
      joins the --out folders of explain --shard runs into what the unsharded run writes
  model-lens curves <log file or folder>... [--json] [--watch]
      training runs (${LOG_FORMAT_TITLES}) and their tags, a run per folder;
      --watch prints new points as they arrive until interrupted
  model-lens curves --script FILE [<folder>...] [--json]
      the runs under the folders (default: here) that the training script FILE writes, and why

${wrap(METHODS as string[], 'methods:', '         ')}
${wrap(PAIR_METHODS as string[], 'pair methods:', '              ')}
options of every command:
  --verbose              after a one-line error, the underlying library's message and stack on stderr
  --max-pixels N         refuse images whose header declares more pixels (default ${DEFAULT_LIMITS.maxPixels})
  --max-model-bytes N    refuse models whose files or weights exceed N bytes (default ${DEFAULT_LIMITS.maxModelBytes})
  --out-size N           the largest long side of overlays (which are the image's size, at least 512) and of --heatmap-out images; larger photos are shrunk on load (default ${DEFAULT_LIMITS.outSize})
exit codes: 0 success, 2 bad input (one line on stderr naming the file and the problem), 1 anything else.
The environment variable MODEL_LENS_BACKEND forces a backend like --backend.`;

/** `model-lens <command> --help`: that command's lines of the usage, then what every command takes (undefined: no such command). */
export function commandHelp(command: string): string | undefined {
  const lines = HELP.split('\n');
  const usage: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith(`  model-lens ${command} `)) continue;
    usage.push(lines[i]);
    while (i + 1 < lines.length && lines[i + 1].startsWith('      ')) usage.push(lines[++i]);
  }
  if (usage.length === 0) return undefined;
  const tail = HELP.slice(HELP.indexOf(['explain', 'compare', 'pair'].includes(command) ? '\nmethods:' : '\noptions of every command:') + 1);
  return ['usage:', ...usage, '', tail].join('\n');
}

async function summaryCommand(args: string[], stdout: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false }, backend: { type: 'string' } });
  if (positionals.length !== 1) throw new InputError('usage: model-lens summary <model> [--json]');
  const backend = values.backend as string | undefined;
  if (backend !== undefined && !isBackendName(backend)) throw new InputError(`--backend must be tensorflow, wasm or cpu (got "${backend}")`);
  await initEngine({ backend: backend as never });
  let model;
  try {
    model = await loadModel(positionals[0]);
  } catch (err) {
    // An ONNX file Model Lens cannot translate still gets its operator table.
    const ops = err instanceof InputError ? onnxOperators(positionals[0]) : undefined;
    if (ops) stdout(values.json ? JSON.stringify({ path: positionals[0], format: ONNX_SUMMARY_FORMAT, operators: ops }) : formatOperators(ops));
    throw err;
  }
  const s = summarize(model);
  stdout(values.json ? JSON.stringify(s) : formatSummary(s));
  return 0;
}

const GLOBAL_LIMITS: Record<string, keyof Limits> = { '--max-pixels': 'maxPixels', '--max-model-bytes': 'maxModelBytes', '--out-size': 'outSize' };

/** --verbose, among the options (before a `--`). */
const isVerbose = (argv: string[]): boolean => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv).includes('--verbose');

/** Takes the options every command shares out of argv: --verbose and the limits. */
function globalOptions(argv: string[]): { argv: string[]; limits: Partial<Limits> } {
  const rest: string[] = [];
  const lim: Partial<Limits> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--verbose') continue;
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const key = GLOBAL_LIMITS[flag];
    if (!key) {
      rest.push(a);
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new InputError(`${flag} must be a whole number ≥ 1 (got ${value === undefined ? 'nothing' : `"${value}"`})`);
    }
    lim[key] = Number(value);
  }
  return { argv: rest, limits: lim };
}

/** The chain of causes of an error, for --verbose. */
function verboseReport(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    parts.push(depth === 0 ? String((e as Error).stack ?? e) : `caused by: ${String((e as Error).stack ?? e)}`);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

/** Lines that libraries print themselves: XNNPACK's status lines (a kernel refusing its arguments), jsfive's notes on HDF5 attributes. */
const LIBRARY_NOISE = /^(XNN status for |Attribute [\s\S]*not implemented|Unsupported [\s\S]*datatype)/;

/**
 * What libraries print themselves while a command runs would stand before the one-line error, or
 * inside --json output: such lines are held back, and --verbose prints them after the command's own.
 * Only lines of the known kinds are held (LIBRARY_NOISE); everything else is written as usual.
 */
function holdLibraryOutput(): { release(): string } {
  const held: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  streams.forEach((stream, k) => {
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk === 'string' && LIBRARY_NOISE.test(chunk)) {
        held.push(chunk);
        (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
        return true;
      }
      return (writes[k] as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
  });
  return {
    release: () => {
      streams.forEach((stream, k) => (stream.write = writes[k]));
      return held.join('');
    },
  };
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], stdout = (s: string) => console.log(s), stderr = (s: string) => console.error(s)): Promise<number> {
  const hold = holdLibraryOutput();
  const verbose = isVerbose(argv);
  try {
    return await run_(argv, stdout, stderr, verbose);
  } finally {
    const library = hold.release();
    if (verbose && library.trim()) stderr(`model-lens: printed by libraries while running:\n${library.trimEnd()}`);
  }
}

async function run_(argv: string[], stdout: (s: string) => void, stderr: (s: string) => void, verbose: boolean): Promise<number> {
  try {
    const g = globalOptions(argv);
    setLimits(g.limits);
    const [command, ...rest] = g.argv;
    const help = (rest.includes('--help') || rest.includes('-h')) && command !== undefined ? commandHelp(command) : undefined;
    if (help !== undefined) {
      stdout(help);
      return 0;
    }
    if (command === 'summary') return await summaryCommand(rest, stdout);
    if (command === 'explain') return await explainCommand(rest, stdout, stderr);
    if (command === 'pair') return await pairCommand(rest, stdout, stderr);
    if (command === 'curves') return await curvesCommand(rest, stdout);
    if (command === 'compare') return await compareCommand(rest, stdout, stderr);
    if (command === 'knowledge') return await knowledgeCommand(rest, stdout, stderr);
    if (command === 'distill') return await distillCommand(rest, stdout, stderr);
    if (command === 'spray') return await sprayCommand(rest, stdout, stderr);
    if (command === 'evaluate') return await evaluateCommand(rest, stdout, stderr);
    if (command === 'merge') return await mergeCommand(rest, stdout);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      stdout(HELP);
      return command === undefined ? 2 : 0;
    }
    throw new InputError(
      `unknown command "${command}" (expected summary, explain, pair, compare, knowledge, distill, spray, evaluate, merge or curves; see model-lens --help)`,
    );
  } catch (err) {
    const e = err as Error;
    if (e instanceof InputError || e instanceof BackendError) {
      stderr(`model-lens: ${e.message.split('\n')[0]}`);
      if (verbose) stderr(verboseReport(e));
      return 2;
    }
    if (isWasmTrap(e)) {
      // The engine that trapped may be corrupt: a fresh one for whatever runs next in this process.
      await recoverFromTrap().catch(() => undefined);
      stderr(`model-lens: the computation failed inside WebAssembly (${e.message.split('\n')[0]}); the engine was restarted`);
      if (verbose) stderr(verboseReport(e));
      return 1;
    }
    stderr(`model-lens: internal error: ${e.stack ?? e.message}`);
    return 1;
  } finally {
    setLimits({});
    if (verbose) stderr(`model-lens: TensorFlow.js ${safe(currentBackend)} backend; images by ${safe(imageDecoderVersion)}`);
  }
}

const safe = (f: () => string): string => {
  try {
    return f();
  } catch {
    return 'unavailable';
  }
};

/** Entry point of bin/model-lens.js. */
export function run(): void {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
