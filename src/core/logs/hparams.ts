/**
 * A run's hyper-parameters, where its writer records them: Lightning's `hparams.yaml` beside its logs
 * (nested maps flattened to dotted keys), an MLflow run's `params/` (one file per parameter, its
 * content the value). Numbers stay numbers, everything else is kept as text.
 */
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';

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

/**
 * The hyper-parameters of the run in `dir`, or undefined when it records none. An `hparams.yaml`
 * that does not parse gives `{ "hparams.yaml": "<the parser's message>" }` rather than failing the run.
 */
export async function readHparams(dir: string): Promise<Hparams | undefined> {
  const out: Hparams = {};
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
