// What the inline values and their hovers say, without the vscode API (decorations.ts shows them).
import type { Run } from '../../core/logs/run';
import { formatValue, sparkline } from '../../core/logs/smooth';

/** What a line of a training script shows for one tag, and the run it comes from. */
export interface TagValue {
  tag: string;
  run: Run;
  value: number;
  step: number;
  /** ↓ lower than the previous point, ↑ higher, → the same or no previous point. */
  trend: string;
}

/**
 * A tag's latest value among a script's runs: from `decorating` (the run that decorates the script)
 * when it logs the tag, else from the most recently updated of `runs` that does.
 */
export function latestValue(runs: Run[], tag: string, decorating?: Run): TagValue | undefined {
  let run = decorating?.tags.get(tag)?.length ? decorating : undefined;
  for (const r of runs) if (!run && r.tags.get(tag)?.length) run = r;
  for (const r of runs) if (r.tags.get(tag)?.length && run && run !== decorating && r.updated > run.updated) run = r;
  const s = run?.tags.get(tag);
  if (!run || !s || s.length === 0) return undefined;
  const i = s.length - 1;
  const v = s.values[i];
  const prev = i > 0 ? s.values[i - 1] : NaN;
  const trend = !Number.isFinite(prev) || !Number.isFinite(v) || v === prev ? '→' : v < prev ? '↓' : '↑';
  return { tag, run, value: v, step: s.steps[i], trend };
}

/**
 * The run that decorates a script: the one `chosen` names (the setting modelLens.curves.decoratingRun:
 * a run's name, or its folder as given) when it is one of the script's runs, else the most recently
 * updated of them.
 */
export function decoratingRun(runs: Run[], chosen = ''): Run | undefined {
  const pick = chosen.trim().replace(/[\\/]+$/, '');
  if (pick) {
    const named = runs.find((r) => r.name === pick) ?? runs.find((r) => r.path === pick || r.path.replace(/\\/g, '/').endsWith(`/${pick.replace(/\\/g, '/')}`));
    if (named) return named;
  }
  let best: Run | undefined;
  for (const r of runs) if (r.tags.size && (!best || r.updated > best.updated)) best = r;
  return best;
}

/**
 * The inline text of one line: `loss/kd 0.3623 ↓ @500  ·  loss/ce 0.04 ↓ @500`; with `named` (more than
 * one run could have given the values) each value names its run: `loss/kd 0.3623 ↓ @500 · student-kd`.
 */
export function lineText(values: TagValue[], named = false): string {
  return values.map((v) => `${v.tag} ${formatValue(v.value)} ${v.trend} @${v.step}${named ? ` · ${v.run.name}` : ''}`).join('  ·  ');
}

/** The hover's Markdown: every run's latest value of each tag, a sparkline with min and max, and a link to the curve. */
export function hoverMarkdown(runs: Iterable<Run>, tags: string[], script?: string): string {
  const parts: string[] = [];
  for (const tag of tags) {
    parts.push(`**${tag}**\n\n`);
    const rows: string[] = [];
    for (const run of runs) {
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
    const args = encodeURIComponent(JSON.stringify([script ? { tag, script } : { tag }]));
    parts.push(`[Show curve](command:modelLens.showCurves?${args})\n\n`);
  }
  return parts.join('');
}
