/**
 * The locator (DISTILLATION.md): finds, in a training script's text, the lines that log each tag —
 * `add_scalar("tag", …)`, `add_scalars("main", {"tag": …})`, `self.log("tag", …)`,
 * `self.log_dict({...})` (one site per key, on the key's own line), `wandb.log({...})`,
 * `mlflow.log_metric("tag", …)`, `tf.summary.scalar("tag", …)`, f-strings and template literals
 * (`f"loss/{name}"` matches any `loss/…`), prefixes (`"train/" + name`), `json.dumps({...})`,
 * `writer.writerow({...})`, Keras/TF.js history keys (`history.history["loss"]`, `logs.loss`) and
 * `print(f"… kd_loss={kd:.3f}")`-style lines. Any receiver works, so aliased writers
 * (`tb = SummaryWriter(); tb.add_scalar(…)`) are found. Python and TypeScript/JavaScript.
 */

export type SourceLanguage = 'python' | 'javascript';

export interface TagSite {
  /** 0-based line of the tag's text. */
  line: number;
  /** The tag as written (`loss/{name}` for an f-string). */
  text: string;
  /** Matches the logged tags this site writes. */
  regex: RegExp;
}

export interface Token {
  kind: 'str' | 'ident' | 'punct' | 'num';
  text: string;
  line: number;
  /** Template strings: f-strings and JS template literals. */
  template?: boolean;
}

const PY_PREFIX = /^[rRbBuUfF]{1,2}$/;

/** Tokens of the source without comments and whitespace; strings carry their content. */
export function tokenize(src: string, lang: SourceLanguage): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 0;
  const n = src.length;
  const countLines = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (src.charCodeAt(k) === 10) line++;
  };
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\\') {
      i++;
      continue;
    }
    if ((lang === 'python' && c === '#') || (lang === 'javascript' && c === '/' && src[i + 1] === '/')) {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (lang === 'javascript' && c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      countLines(i, stop);
      i = stop;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(src[j])) j++;
      const word = src.slice(i, j);
      if (lang === 'python' && PY_PREFIX.test(word) && (src[j] === '"' || src[j] === "'")) {
        i = readString(j, /f/i.test(word));
        continue;
      }
      out.push({ kind: 'ident', text: word, line });
      i = j;
      continue;
    }
    if (c === '"' || c === "'" || (lang === 'javascript' && c === '`')) {
      i = readString(i, c === '`');
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(src[j])) j++;
      out.push({ kind: 'num', text: src.slice(i, j), line });
      i = j;
      continue;
    }
    out.push({ kind: 'punct', text: c, line });
    i++;
  }
  return out;

  /** Reads the string starting at the quote at `q`; pushes it; returns the index after it. */
  function readString(q: number, template: boolean): number {
    const quote = src[q];
    const triple = lang === 'python' && src.startsWith(quote.repeat(3), q);
    const delim = triple ? quote.repeat(3) : quote;
    const startLine = line;
    let j = q + delim.length;
    let depth = 0;
    while (j < n) {
      const ch = src[j];
      if (ch === '\\') {
        j += 2;
        continue;
      }
      if (template && (ch === '{' || (ch === '$' && src[j + 1] === '{'))) {
        if (ch === '$') j++;
        depth++;
      } else if (template && ch === '}' && depth > 0) depth--;
      else if (depth === 0 && src.startsWith(delim, j)) break;
      else if (ch === '\n' && !triple && quote !== '`') break; // unterminated: stop at the line end
      j++;
    }
    const body = src.slice(q + delim.length, j);
    countLines(q, Math.min(j, n));
    out.push({ kind: 'str', text: body, line: startLine, template });
    return src.startsWith(delim, j) ? j + delim.length : j;
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A string token as a tag pattern: template holes match one or more characters. */
function patternOf(tok: Token, open = false): RegExp {
  let re = '';
  if (tok.template) {
    const s = tok.text;
    let k = 0;
    while (k < s.length) {
      if ((s[k] === '{' && s[k + 1] === '{') || (s[k] === '}' && s[k + 1] === '}')) {
        re += escapeRe(s[k]);
        k += 2;
      } else if (s[k] === '{' || (s[k] === '$' && s[k + 1] === '{')) {
        let depth = 0;
        for (; k < s.length; k++) {
          if (s[k] === '{') depth++;
          else if (s[k] === '}' && --depth === 0) break;
        }
        k++;
        re += '.+';
      } else re += escapeRe(s[k++]);
    }
  } else re = escapeRe(tok.text);
  return new RegExp(`^${re}${open ? '.+' : ''}$`);
}

/** Calls whose arguments name tags. */
const LOGGING_CALL = /^(add_scalars?|log\w*|\w+_log|scalars?|dumps|writerow|print|info|debug|warning|write|record)$/;
/** Message calls: their first string is text, not a tag (its `name=value` holes still are). */
const PRINT_CALL = /^(print|info|debug|warning|write)$/;

export function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k].text;
    if (tokens[k].kind !== 'punct') continue;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if ((t === ')' || t === ']' || t === '}') && --depth === 0) return k;
  }
  return tokens.length - 1;
}

export function locateTags(source: string, lang: SourceLanguage): TagSite[] {
  const tokens = tokenize(source, lang);
  const sites: TagSite[] = [];
  const add = (tok: Token, open = false): void => {
    if (tok.text.trim() === '' || tok.text.length > 200) return;
    sites.push({ line: tok.line, text: tok.template || open ? `${tok.text}${open ? '…' : ''}` : tok.text, regex: patternOf(tok, open) });
  };
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens[k];
    // history.history["loss"], history.history.loss, logs["loss"], logs.loss, logs?.loss
    if (t.kind === 'ident' && (t.text === 'history' || t.text === 'logs') && (t.text === 'logs' || tokens[k - 1]?.text === '.')) {
      let j = k + 1;
      if (tokens[j]?.text === '?') j++;
      if (tokens[j]?.text === '[' && tokens[j + 1]?.kind === 'str' && tokens[j + 2]?.text === ']') add(tokens[j + 1]);
      else if (
        tokens[j]?.text === '.' &&
        tokens[j + 1]?.kind === 'ident' &&
        tokens[j + 1].text !== 'history' &&
        !/^(get|keys|items|values)$/.test(tokens[j + 1].text)
      ) {
        add({ ...tokens[j + 1], kind: 'str' });
      }
      continue;
    }
    if (t.kind !== 'ident' || tokens[k + 1].text !== '(' || !LOGGING_CALL.test(t.text)) continue;
    const end = closing(tokens, k + 1);
    const args = tokens.slice(k + 2, end);
    // First argument: a tag (or a prefix when a non-string is added to it).
    const first = args[0];
    if (first?.kind === 'str' && !PRINT_CALL.test(t.text)) {
      const plus = args[1]?.text === '+';
      add(first, plus && args[2]?.kind !== 'str');
    }
    // Keys of dict / object literals and dict(key=…) anywhere in the arguments.
    for (let a = 0; a < args.length; a++) {
      const prev = args[a - 1]?.text;
      const tok = args[a];
      if ((prev === '{' || prev === ',') && args[a + 1]?.text === ':' && (tok.kind === 'str' || (lang === 'javascript' && tok.kind === 'ident'))) {
        if (insideBraces(args, a)) add({ ...tok, kind: 'str' });
      }
      if (tok.kind === 'ident' && tok.text === 'dict' && args[a + 1]?.text === '(') {
        const stop = closing(args, a + 1);
        for (let b = a + 2; b < stop; b++)
          if (args[b].kind === 'ident' && args[b + 1]?.text === '=' && args[b + 2]?.text !== '=' && (args[b - 1].text === '(' || args[b - 1].text === ','))
            add({ ...args[b], kind: 'str' });
      }
      // f"… kd_loss={kd:.3f}" / `kd=${kd}`: names before = or : and a hole.
      if (tok.kind === 'str' && tok.template) {
        const re = /([A-Za-z_][\w/.-]*)\s*[=:]\s*\$?\{/g;
        for (let m; (m = re.exec(tok.text));) add({ ...tok, text: m[1], template: false });
      }
    }
    k = k + 1; // nested calls inside the arguments are visited too
  }
  return sites;
}

/** True when args[a] sits inside a `{…}` opened within the arguments. */
function insideBraces(args: Token[], a: number): boolean {
  let depth = 0;
  for (let b = a - 1; b >= 0; b--) {
    const t = args[b].text;
    if (args[b].kind !== 'punct') continue;
    if (t === '}' || t === ')' || t === ']') depth++;
    else if (t === '(' || t === '[') depth--;
    else if (t === '{') {
      if (depth === 0) return true;
      depth--;
    }
  }
  return false;
}

/**
 * The names a logged tag may have in source code: itself; without Lightning's `_step`/`_epoch`
 * suffixes; Keras TensorBoard's `train/epoch_loss` → `loss` and `validation/epoch_loss` → `val_loss`.
 */
export function sourceNames(tag: string): string[] {
  const names = [tag];
  const lightning = /^(.+)_(step|epoch)$/.exec(tag);
  if (lightning) names.push(lightning[1]);
  const keras = /^(train|validation)\/epoch_(.+)$/.exec(tag);
  if (keras) names.push(keras[1] === 'train' ? keras[2] : `val_${keras[2]}`);
  return names;
}

/** Line → the tags (of `tags`) logged there, each line in source order. */
export function matchTags(sites: TagSite[], tags: Iterable<string>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const tag of tags) {
    const names = sourceNames(tag);
    for (const s of sites) {
      if (!names.some((n) => s.regex.test(n))) continue;
      const list = out.get(s.line) ?? [];
      if (!list.includes(tag)) list.push(tag);
      out.set(s.line, list);
    }
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

export const languageOf = (languageId: string): SourceLanguage | undefined =>
  languageId === 'python' ? 'python' : /^(typescript|javascript|typescriptreact|javascriptreact)$/.test(languageId) ? 'javascript' : undefined;

/** The language of a source file by its extension, or undefined. */
export const languageOfFile = (file: string): SourceLanguage | undefined =>
  /\.py$/i.test(file) ? 'python' : /\.(ts|tsx|js|jsx|mjs|cjs)$/i.test(file) ? 'javascript' : undefined;
