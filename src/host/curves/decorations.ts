import * as vscode from 'vscode';
import { languageOf, locateTags, matchTags, type TagSite } from '../../core/logs/locator';
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

export function latestValue(registry: RunRegistry, tag: string): TagValue | undefined {
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

/** The hover: every run's latest value of each tag, and a sparkline with min and max. */
export function hoverText(registry: RunRegistry, tags: string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['modelLens.showCurves'] };
  for (const tag of tags) {
    md.appendMarkdown(`**${tag}**\n\n`);
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
    md.appendMarkdown(['| run | latest | curve | min | max |', '|---|---|---|---|---|', ...rows].join('\n') + '\n\n');
    const args = encodeURIComponent(JSON.stringify([{ tag }]));
    md.appendMarkdown(`[Show curve](command:modelLens.showCurves?${args})\n\n`);
  }
  return md;
}

/**
 * Inline values after each line of a training script that logs a tag (the locator), for every
 * visible Python / TypeScript / JavaScript editor; CodeLens "Show curve" per tag. Updates when runs
 * change, debounced; `modelLens.curves.inlineValues` turns both off.
 */
export class CurveDecorations implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2.5em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly sites = new Map<string, { version: number; sites: TagSite[] }>();
  private readonly lensChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.type, this.lensChanged];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: RunRegistry,
    private readonly debounceMs = 200,
  ) {
    this.disposables.push(
      registry.onDidUpdate(() => this.schedule()),
      registry.onDidChangeRuns(() => this.schedule()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) this.schedule();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.sites.delete(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('modelLens.curves.inlineValues')) this.schedule();
      }),
      vscode.languages.registerCodeLensProvider(
        ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact'].map((language) => ({ language })),
        this,
      ),
    );
    this.schedule();
  }

  private get enabled(): boolean {
    return vscode.workspace.getConfiguration('modelLens.curves').get<boolean>('inlineValues', true);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), this.debounceMs);
  }

  /** Tag sites of a document, cached by version. */
  private sitesOf(doc: vscode.TextDocument): TagSite[] | undefined {
    const lang = languageOf(doc.languageId);
    if (!lang) return undefined;
    const k = doc.uri.toString();
    const cached = this.sites.get(k);
    if (cached?.version === doc.version) return cached.sites;
    const sites = doc.getText().length > 2_000_000 ? [] : locateTags(doc.getText(), lang);
    this.sites.set(k, { version: doc.version, sites });
    return sites;
  }

  private allTags(): Set<string> {
    const tags = new Set<string>();
    for (const r of this.registry.runs.values()) for (const [t, s] of r.tags) if (s.length) tags.add(t);
    return tags;
  }

  /** Line → tags for a document, against every tag of every known run. */
  linesOf(doc: vscode.TextDocument): Map<number, string[]> {
    const sites = this.sitesOf(doc);
    return sites?.length ? matchTags(sites, this.allTags()) : new Map();
  }

  refresh(): void {
    this.lensChanged.fire();
    for (const editor of vscode.window.visibleTextEditors) {
      if (!this.enabled) {
        editor.setDecorations(this.type, []);
        continue;
      }
      const options: vscode.DecorationOptions[] = [];
      for (const [line, tags] of this.linesOf(editor.document)) {
        const values = tags.map((t) => latestValue(this.registry, t)).filter((v): v is TagValue => v !== undefined);
        if (values.length === 0 || line >= editor.document.lineCount) continue;
        const end = editor.document.lineAt(line).range.end;
        options.push({
          range: new vscode.Range(end, end),
          hoverMessage: hoverText(this.registry, tags),
          renderOptions: { after: { contentText: lineText(values) } },
        });
      }
      editor.setDecorations(this.type, options);
    }
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.enabled) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const [line, tags] of this.linesOf(doc)) {
      const range = new vscode.Range(line, 0, line, 0);
      for (const tag of tags)
        lenses.push(
          new vscode.CodeLens(range, { title: tags.length === 1 ? 'Show curve' : `Show curve: ${tag}`, command: 'modelLens.showCurves', arguments: [{ tag }] }),
        );
    }
    return lenses;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
