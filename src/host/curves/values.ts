// What the inline values and their hovers say, without the vscode API (decorations.ts shows them).
import type { Run } from '../../core/logs/run';
import { formatValue, sparkline } from '../../core/logs/smooth';
import type { RunRegistry } from './run-registry';

/** What a line of a training script shows for one tag: from the run that logged it most recently. */
export interface TagValue {
  tag: string;
  run: Run;
  value: number;
  step: number;
  /** ↓ lower than the previous point, ↑ higher, → the same or no previous point. */
  trend: string;
}

export function latestValue(registry: Pick<RunRegistry, 'latest'>, tag: string): TagValue | undefined {
  const run = registry.latest(tag);
  const s = run?.tags.get(tag);
  if (!run || !s || s.length === 0) return undefined;
  const i = s.length - 1;
  const v = s.values[i];
  const prev = i > 0 ? s.values[i - 1] : NaN;
  const trend = !Number.isFinite(prev) || !Number.isFinite(v) || v === prev ? '→' : v < prev ? '↓' : '↑';
  return { tag, run, value: v, step: s.steps[i], trend };
}

/** The inline text of one line: `loss/kd 0.3623 ↓ @500 · loss/ce 0.04 ↓ @500`. */
export function lineText(values: TagValue[]): string {
  return values.map((v) => `${v.tag} ${formatValue(v.value)} ${v.trend} @${v.step}`).join('  ·  ');
}

/** The hover's Markdown: every run's latest value of each tag, a sparkline with min and max, and a link to the curve. */
export function hoverMarkdown(registry: Pick<RunRegistry, 'runs'>, tags: string[]): string {
  const parts: string[] = [];
  for (const tag of tags) {
    parts.push(`**${tag}**\n\n`);
    const rows: string[] = [];
    for (const run of registry.runs.values()) {
      const s = run.tags.get(tag);
      if (!s?.length) continue;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < s.length; i++) {
        const v = s.values[i];
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      const last = s.length - 1;
      rows.push(
        `| ${run.name} | ${formatValue(s.values[last])} @${s.steps[last]} | \`${sparkline(s.values.subarray(0, s.length))}\` | ${lo === Infinity ? '—' : formatValue(lo)} | ${hi === -Infinity ? '—' : formatValue(hi)} |`,
      );
    }
    parts.push(['| run | latest | curve | min | max |', '|---|---|---|---|---|', ...rows].join('\n') + '\n\n');
    const args = encodeURIComponent(JSON.stringify([{ tag }]));
    parts.push(`[Show curve](command:modelLens.showCurves?${args})\n\n`);
  }
  return parts.join('');
}
