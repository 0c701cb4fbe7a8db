import * as vscode from 'vscode';
import { languageOf, locateTags, matchTags, type TagSite } from '../../core/logs/locator';
import type { RunRegistry } from './run-registry';
import { hoverMarkdown, latestValue, lineText, type TagValue } from './values';

/** The hover: hoverMarkdown, trusted to run only the Show Training Curves command. */
function hoverText(registry: RunRegistry, tags: string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(hoverMarkdown(registry, tags), true);
  md.isTrusted = { enabledCommands: ['modelLens.showCurves'] };
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
