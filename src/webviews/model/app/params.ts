// Pure helpers of the model panel's controls (no DOM): which controls a method gets, and what a field means.
import { isMethod, METHOD_PARAMS, methodSpec, type NumberParamSpec, type ParamName, type ParamSpec } from '../../../core/explain/specs';

/** Methods that map a chosen layer (the panel offers the layer picker and the layer strip's thumbnails). */
export const usesLayer = (method: string): boolean => isMethod(method) && methodSpec(method).family === 'cam';

/** The numeric parameters a method reads, as text fields (choices such as the baseline keep their defaults here). */
export function numericParams(method: string): { key: ParamName; spec: NumberParamSpec }[] {
  if (!isMethod(method)) return [];
  return methodSpec(method).params.flatMap((key) => {
    const spec: ParamSpec = METHOD_PARAMS[key];
    return spec.kind === 'choice' ? [] : [{ key, spec }];
  });
}

/** A text field's value as the parameter: undefined (the default) when empty or not a number ≥ 0; integers rounded and held at their minimum. */
export function paramFromField(raw: string, spec: NumberParamSpec): number | undefined {
  const text = raw.trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0) return undefined;
  return spec.kind === 'number' ? n : Math.max(spec.min, Math.round(n));
}
