/**
 * Which runs a training script writes (issue 14): a run belongs to a script when its folder is at or
 * under a folder the script names — a string literal, `os.path.join` / `path.join` of literals and
 * `__file__`'s folder, an f-string's literal part, `Path(__file__).parent / "runs"`, through simple
 * variable assignments — or, when no run is found that way, when every tag the run logs (framework
 * tags aside) is a tag the script logs (the locator's sites). Pure: the host's decorations and `curves --script` use it.
 */
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { closing, locateTags, tokenize, type SourceLanguage, type TagSite, type Token } from './locator';

/** Tags frameworks log by themselves: they say nothing about which script a run came from. */
export const FRAMEWORK_TAGS = new Set([
  'epoch',
  'step',
  'global_step',
  'iteration',
  'iter',
  'time',
  'data_time',
  'eta_seconds',
  'lr',
  'learning_rate',
  'total_flos',
  'train_runtime',
  'train_samples_per_second',
  'train_steps_per_second',
  'hp_metric',
  'grad_norm',
]);

/** A folder a script names, and the (0-based) line where it does. */
export interface NamedFolder {
  path: string;
  line: number;
}

export interface Attribution {
  kind: 'log-dir' | 'tags';
  /** 0-based line of the folder's name (log-dir), or of the first tag site the run's tags match. */
  line: number;
}

const JOIN = new Set(['join', 'resolve']);
/** Keyword arguments that name a log folder. */
const DIR_KEYWORD = /^(log_?dir|save_dir|output_dir|logging_dir|root_dir|default_root_dir|dirpath|work_dir|tracking_uri|logdir)$/;
/** Calls whose first argument is a log folder. */
const WRITER_CALL = /^(SummaryWriter|FileWriter|create_file_writer|CSVLogger|TensorBoardLogger|TensorBoard|CSVLoggerCallback|makedirs|mkdir|mkdirSync)$/;

/** An f-string's or template literal's text up to its first hole it cannot fill from the known variables. */
function templatePrefix(text: string, vars: Map<string, string>): string {
  let out = '';
  const re = /\$?\{([^}]*)\}/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out += text.slice(at, m.index);
    const name = m[1].trim();
    // A hole it cannot fill: keep whole path segments only ("runs/exp_{seed}" names runs/).
    if (!vars.has(name)) return out.slice(0, out.lastIndexOf('/') + 1);
    out += vars.get(name);
    at = m.index + m[0].length;
  }
  return out + text.slice(at);
}

/**
 * The folders a script names (see the module comment), resolved against the script's folder, each
 * with its line; the script's own folder and its ancestors are left out (they name everything).
 */
export function namedFolders(source: string, lang: SourceLanguage, scriptPath: string): NamedFolder[] {
  const scriptDir = dirname(resolve(scriptPath));
  const tokens = tokenize(source, lang);
  const vars = new Map<string, string>();
  const out: NamedFolder[] = [];

  /** The path an expression starting at token k stands for, and the index after it; undefined when it is not one. */
  const expr = (k: number): { path: string; end: number } | undefined => {
    const t = tokens[k];
    if (!t) return undefined;
    let base: { path: string; end: number } | undefined;
    if (t.kind === 'str') {
      const text = t.template ? templatePrefix(t.text, vars) : t.text;
      if ((text === '' && !t.template) || /[\n\r]/.test(text)) return undefined;
      base = { path: text, end: k + 1 };
    } else if (t.kind === 'ident') {
      // a.b.c(args): os.path.join, os.path.dirname, os.path.abspath, path.join, Path(...)
      let j = k;
      const names: string[] = [t.text];
      while (tokens[j + 1]?.text === '.' && tokens[j + 2]?.kind === 'ident') {
        names.push(tokens[j + 2].text);
        j += 2;
      }
      const last = names.at(-1)!;
      if (tokens[j + 1]?.text === '(') {
        const close = closing(tokens, j + 1);
        const args = argsOf(j + 2, close);
        let value: string | undefined;
        if ((JOIN.has(last) && names.length > 1) || last === 'Path' || last === 'PurePath') {
          const parts = args.map((a) => (a ? expr(a[0]) : undefined));
          if (parts.length && parts.every((p, i) => p && p.end === args[i][1])) value = join(...parts.map((p) => p!.path));
        } else if (last === 'dirname' || last === 'abspath' || last === 'realpath' || last === 'normpath' || last === 'expanduser') {
          const a = args[0] ? expr(args[0][0]) : undefined;
          if (a && a.end === args[0][1]) value = last === 'dirname' ? dirname(a.path) : a.path;
        }
        if (value === undefined) return undefined;
        base = { path: value, end: close + 1 };
      } else if (names.length === 1 && (t.text === '__file__' || t.text === '__filename')) base = { path: resolve(scriptPath), end: k + 1 };
      else if (names.length === 1 && t.text === '__dirname') base = { path: scriptDir, end: k + 1 };
      else if (names.length === 1 && vars.has(t.text)) base = { path: vars.get(t.text)!, end: k + 1 };
      else return undefined;
    } else return undefined;
    // Path(...).parent, .resolve(), / "x"
    let end = base.end;
    let path = base.path;
    for (;;) {
      if (tokens[end]?.text === '.' && tokens[end + 1]?.text === 'parent') {
        path = dirname(path);
        end += 2;
      } else if (
        tokens[end]?.text === '.' &&
        (tokens[end + 1]?.text === 'resolve' || tokens[end + 1]?.text === 'absolute') &&
        tokens[end + 2]?.text === '(' &&
        tokens[end + 3]?.text === ')'
      ) {
        end += 4;
      } else if (tokens[end]?.text === '/' && tokens[end + 1]?.kind === 'str' && !tokens[end + 1].template) {
        path = join(path, tokens[end + 1].text);
        end += 2;
      } else break;
    }
    return { path, end };
  };

  /** The arguments between open+1 and close: [first token, end token] of each (keyword values included). */
  function argsOf(from: number, close: number): [number, number][] {
    const args: [number, number][] = [];
    let start = from;
    let depth = 0;
    for (let k = from; k <= close; k++) {
      const x = tokens[k].text;
      if (tokens[k].kind === 'punct' && (x === '(' || x === '[' || x === '{')) depth++;
      else if (tokens[k].kind === 'punct' && (x === ')' || x === ']' || x === '}')) depth--;
      if ((depth === 0 && tokens[k].text === ',') || k === close) {
        let s = start;
        if (tokens[s]?.kind === 'ident' && tokens[s + 1]?.text === '=' && tokens[s + 2]?.text !== '=') s += 2;
        if (s < k) args.push([s, k]);
        start = k + 1;
      }
    }
    return args;
  }

  const add = (p: string, line: number): void => {
    const abs = isAbsolute(p) ? p : resolve(scriptDir, p);
    // The script's folder and above name everything: not a log folder.
    if (abs === scriptDir || scriptDir.startsWith(abs + sep) || abs === sep) return;
    if (!out.some((o) => o.path === abs)) out.push({ path: abs, line });
  };

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    // NAME = <path expression>: remembered for later uses of NAME; a folder when it looks like one.
    if (
      t.kind === 'ident' &&
      tokens[k + 1]?.text === '=' &&
      tokens[k + 2]?.text !== '=' &&
      tokens[k - 1]?.text !== '.' &&
      tokens[k - 1]?.text !== ',' &&
      tokens[k - 1]?.text !== '('
    ) {
      const e = expr(k + 2);
      if (e) {
        vars.set(t.text, e.path);
        if (looksLikeFolder(tokens, k + 2, e.end)) add(e.path, t.line);
        k = e.end - 1;
      }
      continue;
    }
    // log_dir=…, save_dir=…, output_dir=…: a folder by its keyword.
    if (t.kind === 'ident' && DIR_KEYWORD.test(t.text) && tokens[k + 1]?.text === '=' && tokens[k + 2]?.text !== '=') {
      const e = expr(k + 2);
      if (e) add(e.path, t.line);
      continue;
    }
    // SummaryWriter("runs/x"), CSVLogger("logs"), os.makedirs(…): the first argument.
    if (t.kind === 'ident' && WRITER_CALL.test(t.text) && tokens[k + 1]?.text === '(' && tokens[k + 2]?.text !== ')') {
      const e = tokens[k + 3]?.text === '=' ? undefined : expr(k + 2);
      if (e) add(e.path, t.line);
    }
  }
  return out;
}

/** A path expression names a folder worth claiming when it joins something or its literal has a path separator or is a log folder's usual name. */
function looksLikeFolder(tokens: Token[], from: number, end: number): boolean {
  if (end - from > 1) return true;
  const t = tokens[from];
  if (t.kind !== 'str') return false;
  const text = t.template ? t.text.split(/\{|\$\{/)[0] : t.text;
  if (/\.(py|ts|js|json|jsonl|csv|txt|png|jpe?g|pt|pth|onnx|h5|keras|yaml|yml|md)$/i.test(text)) return false;
  return !/\s/.test(text) && (/[\\/]/.test(text) || /^(runs|logs|lightning_logs|outputs?|mlruns|work_dirs|checkpoints|tb_logs|tensorboard)$/.test(text));
}

/** How a run belongs to a script, or undefined: its folder under a folder the script names, else all its tags logged by the script. */
export function attributeRun(run: { path: string; tags: Iterable<string> }, folders: NamedFolder[], sites: TagSite[]): Attribution | undefined {
  const runPath = resolve(run.path);
  const folder = folders.find((f) => runPath === f.path || runPath.startsWith(f.path + sep));
  if (folder) return { kind: 'log-dir', line: folder.line };
  const tags = [...run.tags].filter((t) => !FRAMEWORK_TAGS.has(t));
  if (tags.length === 0 || sites.length === 0) return undefined;
  let first = Infinity;
  for (const tag of tags) {
    const site = sites.find((s) => s.regex.test(tag));
    if (!site) return undefined;
    first = Math.min(first, site.line);
  }
  return { kind: 'tags', line: first };
}

/** A script's folders and tag sites, for attributing many runs. */
export function scriptFacts(source: string, lang: SourceLanguage, scriptPath: string): { folders: NamedFolder[]; sites: TagSite[] } {
  return { folders: namedFolders(source, lang, scriptPath), sites: locateTags(source, lang) };
}

/**
 * The runs a script writes, with how: by log folder; and only when none is found that way (a script
 * that names no folder runs hold), by tags — so runs elsewhere that happen to log the same tag names
 * are not taken for the script's.
 */
export function attributeRuns<R extends { path: string; tags: Iterable<string> }>(
  runs: R[],
  facts: { folders: NamedFolder[]; sites: TagSite[] },
): { run: R; how: Attribution }[] {
  const byFolder = runs.flatMap((run) => {
    const how = attributeRun(run, facts.folders, []);
    return how ? [{ run, how }] : [];
  });
  if (byFolder.length) return byFolder;
  return runs.flatMap((run) => {
    const how = attributeRun(run, [], facts.sites);
    return how ? [{ run, how }] : [];
  });
}
