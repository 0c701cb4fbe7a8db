import * as vscode from 'vscode';
import { attributeRuns, namedFolders, type NamedFolder } from '../../core/logs/attribution';
import { languageOf, locateTags, matchTags, type TagSite } from '../../core/logs/locator';
import type { Run } from '../../core/logs/run';
import type { RunRegistry } from './run-registry';
import { decoratingRun, hoverMarkdown, latestValue, lineText, type TagValue } from './values';

/** The hover: hoverMarkdown, trusted to run only the Show Training Curves command. */
function hoverText(runs: Run[], tags: string[], script: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(hoverMarkdown(runs, tags, script), true);
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
  private readonly sites = new Map<string, { version: number; sites: TagSite[]; folders: NamedFolder[] }>();
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
        if (e.affectsConfiguration('modelLens.curves.inlineValues') || e.affectsConfiguration('modelLens.curves.decoratingRun')) this.schedule();
      }),
      vscode.languages.registerCodeLensProvider(
        ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact'].map((language) => ({ language })),
        this,
      ),
    );
    this.schedule();
  }

  /** The run the user chose to decorate (modelLens.curves.decoratingRun), empty for the latest. */
  private get chosenRun(): string {
    return vscode.workspace.getConfiguration('modelLens.curves').get<string>('decoratingRun', '');
  }

  private get enabled(): boolean {
    return vscode.workspace.getConfiguration('modelLens.curves').get<boolean>('inlineValues', true);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), this.debounceMs);
  }

  /** Tag sites and named log folders of a document, cached by version. */
  private factsOf(doc: vscode.TextDocument): { sites: TagSite[]; folders: NamedFolder[] } | undefined {
    const lang = languageOf(doc.languageId);
    if (!lang) return undefined;
    const k = doc.uri.toString();
    const cached = this.sites.get(k);
    if (cached?.version === doc.version) return cached;
    const text = doc.getText();
    const big = text.length > 2_000_000;
    const facts = { version: doc.version, sites: big ? [] : locateTags(text, lang), folders: big ? [] : namedFolders(text, lang, doc.uri.fsPath) };
    this.sites.set(k, facts);
    return facts;
  }

  /** The runs a document writes (attribution: the log folders it names, else the tags it logs). */
  runsOf(doc: vscode.TextDocument): Run[] {
    const facts = this.factsOf(doc);
    if (!facts) return [];
    return attributeRuns(
      [...this.registry.runs.values()].map((r) => ({ path: r.path, tags: r.tags.keys(), r })),
      facts,
    ).map((x) => x.run.r);
  }

  /** Line → tags for a document, against the tags of the runs it writes. */
  linesOf(doc: vscode.TextDocument, runs = this.runsOf(doc)): Map<number, string[]> {
    const sites = this.factsOf(doc)?.sites;
    const tags = new Set<string>();
    for (const r of runs) for (const [t, s] of r.tags) if (s.length) tags.add(t);
    return sites?.length ? matchTags(sites, tags) : new Map();
  }

  refresh(): void {
    this.lensChanged.fire();
    for (const editor of vscode.window.visibleTextEditors) {
      if (!this.enabled) {
        editor.setDecorations(this.type, []);
        continue;
      }
      const options: vscode.DecorationOptions[] = [];
      // One run decorates (the chosen one, else the most recently updated of the script's runs); a tag it lacks comes from
      // the latest of the others; with several runs, every value names its run.
      const runs = this.runsOf(editor.document);
      const decorating = decoratingRun(runs, this.chosenRun);
      for (const [line, tags] of this.linesOf(editor.document, runs)) {
        const values = tags.map((t) => latestValue(runs, t, decorating)).filter((v): v is TagValue => v !== undefined);
        if (values.length === 0 || line >= editor.document.lineCount) continue;
        const end = editor.document.lineAt(line).range.end;
        options.push({
          range: new vscode.Range(end, end),
          hoverMessage: hoverText(runs, tags, editor.document.uri.fsPath),
          renderOptions: { after: { contentText: lineText(values, runs.length > 1) } },
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
          new vscode.CodeLens(range, {
            title: tags.length === 1 ? 'Show curve' : `Show curve: ${tag}`,
            command: 'modelLens.showCurves',
            arguments: [{ tag, script: doc.uri.fsPath }],
          }),
        );
    }
    return lenses;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
