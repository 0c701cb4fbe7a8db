import type { InspectableModel } from './types';

/** The JSON shape of `model-lens summary --json`. */
export interface ModelSummary {
  path: string;
  format: string;
  /** `declaredShape`: an NCHW input as the file declares it; `shape` is the channels-last layout Model Lens feeds. */
  inputs: { name: string; shape: (number | null)[]; dtype: string; declaredShape?: (number | null)[] }[];
  outputs: { name: string; shape: (number | null)[]; dtype: string; softmax: boolean }[];
  layers: { name: string; type: string; outputShape: (number | null)[]; params: number }[];
  totalParams: number;
  preprocessingLayers: string[];
  /** ONNX: the file's operators, how often each occurs and whether Model Lens translates it. */
  operators?: { op: string; count: number; supported: boolean }[];
  /** ONNX: graph outputs that cannot be computed, and why. */
  unavailableOutputs?: { name: string; reason: string }[];
  /** What a user should know before trusting the model's output (non-finite weights, outputs that cannot be computed). */
  warnings: string[];
}

export function summarize(model: InspectableModel): ModelSummary {
  return {
    path: model.path,
    format: model.format,
    inputs: model.inputs,
    outputs: model.outputs.map((o, i) => ({ ...o, softmax: model.softmaxOutputs[i] })),
    layers: model.layers.map(({ name, type, outputShape, params }) => ({ name, type, outputShape, params })),
    totalParams: model.totalParams,
    preprocessingLayers: model.preprocessingLayers,
    ...('operators' in model ? { operators: (model as { operators: ModelSummary['operators'] }).operators } : {}),
    ...('unavailableOutputs' in model ? { unavailableOutputs: (model as { unavailableOutputs: ModelSummary['unavailableOutputs'] }).unavailableOutputs } : {}),
    warnings: [...model.warnings],
  };
}

const shape = (s: (number | null)[]) => `[${s.map((d) => d ?? 'null').join(', ')}]`;

/** A plain-text table for the terminal. */
export function formatSummary(s: ModelSummary): string {
  const rows = s.layers.map((l) => [l.name, l.type, shape(l.outputShape), l.params.toLocaleString('en-US')]);
  const head = ['layer', 'type', 'output shape', 'params'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const out = [
    `${s.path} (${s.format})`,
    ...s.inputs.map(
      (i) => `input  ${i.name} ${shape(i.declaredShape ?? i.shape)} ${i.dtype}${i.declaredShape ? ` (NCHW; fed channels-last as ${shape(i.shape)})` : ''}`,
    ),
    ...s.outputs.map((o) => `output ${o.name} ${shape(o.shape)} ${o.dtype}${o.softmax ? ' (softmax; explained at its logits)' : ''}`),
    '',
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    `total parameters: ${s.totalParams.toLocaleString('en-US')}`,
  ];
  if (s.preprocessingLayers.length) out.push(`the model preprocesses its own input: ${s.preprocessingLayers.join(', ')}`);
  if (s.operators) out.push(formatOperators(s.operators));
  for (const w of s.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

/** The operator table of an ONNX file: `Conv ×3 ✓` per operator, unsupported ones marked. */
export function formatOperators(ops: NonNullable<ModelSummary['operators']>): string {
  const unsupported = ops.filter((o) => !o.supported);
  return [
    `operators (${ops.length}): ${ops.map((o) => `${o.op} ×${o.count}${o.supported ? '' : ' (not supported)'}`).join(', ')}`,
    unsupported.length ? `not supported: ${unsupported.map((o) => o.op).join(', ')}` : 'all supported',
  ].join('\n');
}
