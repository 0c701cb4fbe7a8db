/**
 * A run's hyper-parameters, where its writer records them: Lightning's `hparams.yaml` beside its logs
 * (nested maps flattened to dotted keys), an MLflow run's `params/` (one file per parameter, its
 * content the value), and in TensorBoard event files: the hparams plugin's session start
 * (`_hparams_/session_start_info`, written by `tensorboard.plugins.hparams`, PyTorch's and
 * tensorboardX's `add_hparams`, Lightning's TensorBoardLogger) and the Hugging Face Trainer's `args`
 * text summary (its TrainingArguments as JSON). Numbers stay numbers, everything else is kept as text.
 */
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Reader } from 'protobufjs/minimal';
import { parse } from 'yaml';
import { HPARAMS_SUBFOLDER, KERAS_PHASES } from './formats';
import { isEventFile } from './tensorboard';
import { scanRecords } from './tfrecord';

/** How much of an event file is searched: writers record hyper-parameters as training begins. */
export const HPARAMS_HEAD_BYTES = 256 * 1024;

export type HparamValue = string | number | boolean | null;
export type Hparams = Record<string, HparamValue>;

/** Lists, dictionaries and values flattened: `optimizer.lr`, lists as JSON text. */
function flatten(value: unknown, prefix: string, out: Hparams): void {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[prefix] = value as HparamValue;
  else if (Array.isArray(value)) out[prefix] = JSON.stringify(value);
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const asValue = (text: string): HparamValue => (text !== '' && Number.isFinite(Number(text)) ? Number(text) : text);

/** The event files that may hold a run's hyper-parameters: its own, its Keras phases', its `add_hparams` sub-folders'. */
export async function hparamsEventFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isFile() && isEventFile(e.name)) out.push(join(dir, e.name));
    else if (e.isDirectory() && (KERAS_PHASES.includes(e.name) || HPARAMS_SUBFOLDER.test(e.name))) {
      const inner = await fsp.readdir(join(dir, e.name)).catch(() => [] as string[]);
      out.push(
        ...inner
          .filter(isEventFile)
          .sort()
          .map((n) => join(dir, e.name, n)),
      );
    }
  }
  return out;
}

async function head(file: string): Promise<Uint8Array | undefined> {
  const fh = await fsp.open(file, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const buf = new Uint8Array(HPARAMS_HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * The hyper-parameters of the run in `dir`, or undefined when it records none. An `hparams.yaml`
 * that does not parse gives `{ "hparams.yaml": "<the parser's message>" }` rather than failing the run.
 * Event files' hyper-parameters come first; hparams.yaml and MLflow params, where present, win a name both give.
 */
export async function readHparams(dir: string, events?: string[]): Promise<Hparams | undefined> {
  const out: Hparams = {};
  for (const file of events ?? (await hparamsEventFiles(dir))) {
    const bytes = await head(file);
    if (bytes) Object.assign(out, eventHparams(bytes));
  }
  const yamlText = await fsp.readFile(join(dir, 'hparams.yaml'), 'utf8').catch(() => undefined);
  if (yamlText !== undefined) {
    try {
      flatten(parse(yamlText, { maxAliasCount: 100 }) ?? {}, '', out);
    } catch (err) {
      out['hparams.yaml'] = `unreadable: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  const params = join(dir, 'params');
  if ((await fsp.stat(join(dir, 'meta.yaml')).catch(() => undefined))?.isFile()) {
    for (const f of await filesUnder(params)) {
      const text = await fsp.readFile(f, 'utf8').catch(() => undefined);
      if (text !== undefined) out[relative(params, f).split(sep).join('/')] = asValue(text.trim());
    }
  }
  return Object.keys(out).length ? out : undefined;
}

// Event files, read with protobufjs's low-level Reader field by field (Event 5 → Summary 1 → Value:
// tag 1, metadata 9 → plugin_data 1 → plugin_name 1, content 2; tensor 8 → string_val 8).

const utf8 = new TextDecoder();

/** The length-delimited fields `want` of a message, in order, as [field, bytes]. */
function fields(buf: Uint8Array, want: readonly number[]): [number, Uint8Array][] {
  const r = Reader.create(buf);
  const out: [number, Uint8Array][] = [];
  while (r.pos < r.len) {
    const key = r.uint32();
    const field = key >>> 3;
    if ((key & 7) === 2 && want.includes(field)) out.push([field, r.bytes()]);
    else r.skipType(key & 7);
  }
  return out;
}

const first = (buf: Uint8Array, field: number): Uint8Array | undefined => fields(buf, [field])[0]?.[1];

/** A google.protobuf.Value: null 1, number 2 (double), string 3, bool 4; struct 5 and list 6 as text. */
function protoValue(buf: Uint8Array): HparamValue {
  const r = Reader.create(buf);
  let out: HparamValue = null;
  while (r.pos < r.len) {
    const key = r.uint32();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 2 && wire === 1) out = r.double();
    else if (field === 3 && wire === 2) out = r.string();
    else if (field === 4 && wire === 0) out = r.bool();
    else if ((field === 5 || field === 6) && wire === 2) {
      out = field === 5 ? '(struct)' : '(list)';
      r.skip(r.uint32());
    } else r.skipType(wire);
  }
  return out;
}

/** The hparams of a SessionStartInfo (its map field 1: entries of key 1, value 2). */
function sessionStart(buf: Uint8Array, out: Hparams): void {
  for (const [, entry] of fields(buf, [1])) {
    const key = first(entry, 1);
    const value = first(entry, 2);
    if (key) out[utf8.decode(key)] = value ? protoValue(value) : null;
  }
}

/** One Summary.Value: an hparams session start, or the Trainer's `args` text. */
function summaryValue(buf: Uint8Array, out: Hparams): void {
  let tag = '';
  let plugin = '';
  let content: Uint8Array | undefined;
  let tensor: Uint8Array | undefined;
  for (const [field, bytes] of fields(buf, [1, 8, 9])) {
    if (field === 1) tag = utf8.decode(bytes);
    else if (field === 8) tensor = bytes;
    else {
      const pluginData = first(bytes, 1);
      if (!pluginData) continue;
      plugin = utf8.decode(first(pluginData, 1) ?? new Uint8Array());
      content = first(pluginData, 2);
    }
  }
  if (plugin === 'hparams' && content) {
    const start = first(content, 3);
    if (start) sessionStart(start, out);
  } else if (plugin === 'text' && (tag === 'args/text_summary' || tag === 'args') && tensor) {
    const text = first(tensor, 8);
    if (!text) return;
    try {
      const args: unknown = JSON.parse(utf8.decode(text));
      if (args && typeof args === 'object' && !Array.isArray(args)) flatten(args, '', out);
    } catch {
      // Text that is not JSON is no set of arguments.
    }
  }
}

/**
 * The hyper-parameters in the records of an event file (its start: writers record them as training
 * begins), or undefined when none. Corrupt records are skipped, as the curves skip them.
 */
export function eventHparams(bytes: Uint8Array): Hparams | undefined {
  const out: Hparams = {};
  scanRecords(bytes, (payload) => {
    try {
      for (const [, summary] of fields(payload, [5])) for (const [, value] of fields(summary, [1])) summaryValue(value, out);
    } catch {
      // A malformed event holds nothing we can read.
    }
  });
  return Object.keys(out).length ? out : undefined;
}
