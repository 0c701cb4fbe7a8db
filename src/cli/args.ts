import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../core/errors';

/** util.parseArgs with its errors turned into one-line InputErrors (exit code 2). */
export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const option = /'(-[^' ]+)/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) throw new InputError(`unknown option ${option} (see model-lens --help)`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) throw new InputError(`option ${option} needs a value`);
    throw new InputError(e.message.split('\n')[0]);
  }
}

export function intOption(value: string | undefined, name: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new InputError(`--${name} must be an integer ≥ ${min} (got "${value}")`);
  return Number(value);
}

export function numberOption(value: string | undefined, name: string, min = 0, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InputError(`--${name} must be a number in [${min}, ${max}] (got "${value}")`);
  return n;
}

export function listOption(value: string | undefined, name: string): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n)))
    throw new InputError(`--${name} must be a comma-separated list of numbers (got "${value}")`);
  return parts;
}
