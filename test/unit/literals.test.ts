// A method, format or option name is written in its registry or spec module only; everywhere else
// in src/ it comes from there. This test reads every string literal of src/ (TypeScript's scanner, so
// comments and identifiers do not count) and fails on a registered name outside its home.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { BASELINES, METHOD_PARAMS, METHODS } from '../../src/core/explain/specs';
import { ASSIGNS, JOINTS, PAIR_METHODS, SIMILARITIES, TRANSFORMS } from '../../src/core/explain/pair/specs';
import { CHANNEL_ORDERS, COLOR_MODES, COLORMAPS, PREPROCESS_PRESETS, RESIZE_MODES, SCALES } from '../../src/core/image/specs';
import { LOG_FORMATS } from '../../src/core/logs/formats';
import { MODEL_FORMAT_SPECS } from '../../src/core/model/specs';

const repo = path.resolve(__dirname, '..', '..');
const src = path.join(repo, 'src');

interface Vocabulary {
  what: string;
  names: readonly string[];
  /** Files (or folders, ending in /) where the names may be written. */
  homes: string[];
  /** Files the check covers; default all of src/. */
  scope?: string[];
}

const VOCABULARIES: Vocabulary[] = [
  { what: 'method', names: METHODS, homes: ['src/core/explain/specs.ts', 'src/core/explain/registry.ts'] },
  {
    what: 'method parameter',
    names: Object.values(METHOD_PARAMS).map((p) => p.flag),
    homes: ['src/core/explain/specs.ts'],
    scope: ['src/cli/explain-command.ts', 'src/webviews/model/'],
  },
  { what: 'baseline', names: BASELINES, homes: ['src/core/explain/specs.ts', 'src/core/explain/baseline.ts'] },
  { what: 'pair method', names: PAIR_METHODS, homes: ['src/core/explain/pair/specs.ts', 'src/core/explain/pair/registry.ts'] },
  { what: 'similarity', names: SIMILARITIES, homes: ['src/core/explain/pair/specs.ts', 'src/core/explain/pair/embedding.ts'] },
  { what: 'transform', names: TRANSFORMS, homes: ['src/core/explain/pair/specs.ts', 'src/core/explain/pair/transforms.ts'] },
  { what: 'joint weight', names: JOINTS, homes: ['src/core/explain/pair/specs.ts', 'src/core/explain/pair/interaction-cam.ts'] },
  { what: 'trial assignment', names: ASSIGNS, homes: ['src/core/explain/pair/specs.ts', 'src/core/explain/pair/pairwise.ts'] },
  { what: 'colormap', names: COLORMAPS, homes: ['src/core/image/specs.ts', 'src/core/image/colormap.ts'] },
  {
    what: 'preprocessing choice',
    // 'auto' is a colour mode and also the backend setting's default: the word alone is no colour mode.
    names: [...Object.keys(PREPROCESS_PRESETS), ...SCALES, ...CHANNEL_ORDERS, ...RESIZE_MODES, ...COLOR_MODES.filter((m) => m !== 'auto')],
    homes: ['src/core/image/specs.ts', 'src/core/image/preprocess.ts'],
  },
  { what: 'log format', names: LOG_FORMATS.map((f) => f.name), homes: ['src/core/logs/formats.ts'] },
  { what: 'model format', names: MODEL_FORMAT_SPECS.map((f) => f.name), homes: ['src/core/model/'] },
];

/**
 * The same word in another vocabulary, where it is that vocabulary's own name (each with its reason).
 * Anything added here needs a reason a reviewer accepts.
 */
const ELSEWHERE: Record<string, string[]> = {
  // The --augment syntax's operations (its own registry): jitter, blur, gray, solarize are augmentations.
  'src/core/image/augment.ts': ['jitter', 'blur', 'gray', 'solarize'],
  // Preprocessing's colour modes (COLOR_MODES) are at home here: 'gray' is one of them, not a colormap or transform.
  'src/core/image/preprocess.ts': ['gray'],
  // Insertion starts from the blurred image (EXPLAIN.md): a fixed part of the metric, not an option.
  'src/core/explain/pair/metrics.ts': ['blur'],
  // The curves panel's export dialog filters on the .csv extension.
  'src/webviews/curves/panel.ts': ['csv'],
};

/** Words too ordinary to check: names of tensor reductions and object keys as much as of choices. */
const ORDINARY = new Set(['mean', 'max', 'default']);

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Every string literal of a file with its line (template literals without substitutions count; their parts with them do too). */
function literals(file: string): { text: string; line: number }[] {
  const text = fs.readFileSync(file, 'utf8');
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: { text: string; line: number }[] = [];
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  let kind = scanner.scan();
  let depth = 0;
  const templateDepths: number[] = [];
  while (kind !== ts.SyntaxKind.EndOfFileToken) {
    if (kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral)
      out.push({ text: scanner.getTokenValue(), line: lineOf(scanner.getTokenStart()) });
    if (kind === ts.SyntaxKind.TemplateHead) templateDepths.push(depth);
    if (kind === ts.SyntaxKind.OpenBraceToken) depth++;
    if (kind === ts.SyntaxKind.CloseBraceToken) {
      if (templateDepths.length && templateDepths.at(-1) === depth) {
        // The end of a ${…} substitution: rescan as the template's continuation.
        kind = scanner.reScanTemplateToken(false);
        if (kind === ts.SyntaxKind.TemplateTail) templateDepths.pop();
        kind = scanner.scan();
        continue;
      }
      depth--;
    }
    // A slash after these starts a regular expression, not a division.
    if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
      const prev = text.slice(0, scanner.getTokenStart()).trimEnd().at(-1) ?? '';
      if (!/[\w)\]]/.test(prev)) scanner.reScanSlashToken();
    }
    kind = scanner.scan();
  }
  return out;
}

const inside = (rel: string, places: string[]) => places.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p));

test('no method, format or option name is written outside its registry or spec module', () => {
  const offenders: string[] = [];
  const all = files(src);
  assert.ok(all.length > 100, 'the sources were found');
  for (const file of all) {
    const rel = path.relative(repo, file).split(path.sep).join('/');
    // A word is at home in the home of any vocabulary it belongs to ("blur" is a baseline and a transform).
    const atHome = (word: string) => VOCABULARIES.some((v) => v.names.includes(word) && inside(rel, v.homes));
    const found = literals(file).filter((l) => !ORDINARY.has(l.text) && !atHome(l.text));
    for (const v of VOCABULARIES) {
      if (inside(rel, v.homes) || (v.scope && !inside(rel, v.scope))) continue;
      for (const l of found) {
        if (!v.names.includes(l.text) || ELSEWHERE[rel]?.includes(l.text)) continue;
        offenders.push(`${rel}:${l.line}: '${l.text}' (a ${v.what} name; take it from its registry)`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('no test or source writes out a registry as a list (four or more of its names in a row)', () => {
  const offenders: string[] = [];
  const roots = [src, path.join(repo, 'test'), path.join(repo, 'bench'), path.join(repo, 'fuzz'), path.join(repo, 'demo', 'scripts')];
  for (const file of roots.flatMap((r) => files(r))) {
    const rel = path.relative(repo, file).split(path.sep).join('/');
    if (rel.startsWith('test/fixtures/')) continue;
    for (const l of literals(file)) {
      for (const v of VOCABULARIES) {
        if (inside(rel, v.homes)) continue;
        // The longest run of the vocabulary's names next to each other ("a, b, c or d", "a|b|c|d").
        let run = 0;
        let longest = 0;
        for (const word of l.text.split(/[\s,|]+/)) {
          run = v.names.includes(word) ? run + 1 : word === 'or' || word === 'and' ? run : 0;
          longest = Math.max(longest, run);
        }
        if (longest >= 4) offenders.push(`${rel}:${l.line}: ${longest} ${v.what} names in a row (derive the list from the registry)`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('the check sees through comments and finds literals in templates', () => {
  const tmp = path.join(repo, 'test-output', 'literals-probe.ts');
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  fs.writeFileSync(tmp, "// 'gradcam' in a comment\nconst a = `x ${'occlusion'} y`;\nconst b = 1 / 2; const c = /'ig'/.test('saliency');\n");
  assert.deepEqual(
    literals(tmp).map((l) => `${l.line}:${l.text}`),
    ['2:occlusion', '3:saliency'],
  );
});
