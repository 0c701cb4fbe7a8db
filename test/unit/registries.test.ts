// Every list derived from a registry agrees with it: package.json's enums and defaults, the CLI's
// help and parsers, the panels' pickers and validators, the tables of implementations.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../helpers/cli';
import { METHOD_TABLE } from '../../src/core/explain/registry';
import { DEFAULT_METHOD, METHOD_PARAMS, METHOD_SPECS, METHODS } from '../../src/core/explain/specs';
import { PAIR_METHOD_TABLE } from '../../src/core/explain/pair/registry';
import { ASSIGNS, JOINTS, PAIR_METHOD_SPECS, PAIR_METHODS, SIMILARITIES, TRANSFORMS } from '../../src/core/explain/pair/specs';
import { TRANSFORM_OPS } from '../../src/core/explain/pair/transforms';
import { colormapLut } from '../../src/core/image/colormap';
import { CHANNEL_ORDERS, COLORMAPS, PREPROCESS_PRESETS, RESIZE_MODES, SCALES } from '../../src/core/image/specs';
import { DEFAULT_LOG_GLOBS, LOG_FORMATS } from '../../src/core/logs/formats';
import { MODEL_FORMATS } from '../../src/core/model/load';
import { MODEL_FORMAT_SPECS } from '../../src/core/model/specs';
import { numericParams, usesLayer } from '../../src/webviews/model/app/params';
import { PANEL_COLORMAPS, PANEL_METHODS, parseFromWebview, type PanelSettings } from '../../src/webviews/model/protocol';
import { PAIR_PANEL_COLORMAPS, PAIR_PANEL_METHODS, parseFromPairWebview } from '../../src/webviews/pair/protocol';

const repo = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const settings = pkg.contributes.configuration.properties;

test('the tables of implementations have exactly one entry per spec', () => {
  assert.deepEqual(Object.keys(METHOD_TABLE), [...METHODS]);
  assert.deepEqual(Object.keys(PAIR_METHOD_TABLE), [...PAIR_METHODS]);
  assert.deepEqual(Object.keys(TRANSFORM_OPS), [...TRANSFORMS]);
  assert.deepEqual(MODEL_FORMATS.map((f) => f.name).sort(), MODEL_FORMAT_SPECS.map((f) => f.name).sort());
  for (const c of COLORMAPS) assert.equal(colormapLut(c).length, 256 * 3, c);
  assert.equal(new Set(LOG_FORMATS.map((f) => f.name)).size, LOG_FORMATS.length);
  for (const m of METHOD_SPECS) for (const p of m.params) assert.ok(p in METHOD_PARAMS, `${m.name} reads ${p}`);
});

test("package.json's enums and defaults are the registries'", () => {
  assert.deepEqual(settings['modelLens.defaultMethod'].enum, [...METHODS]);
  assert.equal(settings['modelLens.defaultMethod'].default, DEFAULT_METHOD);
  assert.deepEqual(settings['modelLens.colormap'].enum, [...COLORMAPS]);
  assert.deepEqual([...settings['modelLens.curves.logGlobs'].default].sort(), [...DEFAULT_LOG_GLOBS].sort());
  const folders = (pkg.activationEvents as string[]).find((e) => e.startsWith('workspaceContains:'))!;
  assert.deepEqual(/\{([^}]*)\}/.exec(folders)![1].split(',').sort(), DEFAULT_LOG_GLOBS.map((g) => g.split('/')[1]).sort());
});

test("the CLI's help names every method, pair method, parameter flag, colormap, preset and log format", async () => {
  const { code, out } = await cli('--help');
  assert.equal(code, 0);
  const listed = (label: string) => new RegExp(`^${label}: ([^\\n]*(?:\\n {${label.length + 2}}[^\\n]*)*)`, 'm').exec(out)![1].split(/\s+/).filter(Boolean);
  assert.deepEqual(listed('methods'), [...METHODS]);
  assert.deepEqual(listed('pair methods'), [...PAIR_METHODS]);
  for (const p of Object.values(METHOD_PARAMS)) assert.ok(out.includes(`[--${p.flag} `), p.flag);
  for (const [flag, names] of [
    ['colormap', COLORMAPS],
    ['preprocess', Object.keys(PREPROCESS_PRESETS)],
    ['scale', SCALES],
    ['channel-order', CHANNEL_ORDERS],
    ['resize', RESIZE_MODES],
    ['similarity', SIMILARITIES],
    ['assign', ASSIGNS],
    ['joint', JOINTS],
    ['transform', TRANSFORMS],
  ] as const) {
    assert.ok(out.includes(`[--${flag} ${names.join('|')}]`), flag);
  }
  for (const f of LOG_FORMATS) assert.ok(out.includes(f.title), f.name);
  for (const f of MODEL_FORMAT_SPECS.filter((s) => s.opens)) assert.ok(out.includes(f.title), f.name);
});

test("`model-lens COMMAND --help` prints that command's usage lines and the common options, exit 0", async () => {
  const full = (await cli('--help')).out;
  const commands = [...new Set([...full.matchAll(/^ {2}model-lens (\w+) /gm)].map((m) => m[1]))];
  assert.deepEqual(commands, ['summary', 'explain', 'pair', 'compare', 'knowledge', 'distill', 'spray', 'evaluate', 'merge', 'curves']);
  for (const command of commands) {
    const { code, out } = await cli(command, '--help');
    assert.equal(code, 0, command);
    assert.equal(out.split('\n')[0], 'usage:', command);
    const named = [...out.matchAll(/^ {2}model-lens (\w+) /gm)].map((m) => m[1]);
    assert.ok(named.length >= 1 && named.every((n) => n === command), `${command}: ${named.join(', ')}`);
    assert.ok(out.includes('options of every command:'), command);
    assert.equal(out.includes('\nmethods:'), ['explain', 'pair', 'compare'].includes(command), command);
  }
  const distill = (await cli('distill', '-h')).out;
  assert.ok(distill.includes('[--schedule asdt:PERIOD:DUTY]') && distill.includes('a checkpoint per epoch'), distill);
});

test("the CLI's parsers refuse a name outside the registry and list the registry's names", async () => {
  const explain = await cli('explain', 'm.json', 'i.png', '--method', 'nope');
  assert.equal(explain.code, 2);
  assert.equal(explain.err, `model-lens: --method must be one of ${METHODS.join(', ')} (got "nope")`);
  const pair = await cli('pair', 'm.json', 'a.png', 'b.png', '--method', 'nope');
  assert.equal(pair.err, `model-lens: --method must be one of ${PAIR_METHODS.join(', ')} (got "nope")`);
  const colormap = await cli('explain', 'm.json', 'i.png', '--colormap', 'nope');
  assert.equal(colormap.err, `model-lens: --colormap must be one of ${COLORMAPS.join(', ')} (got "nope")`);
  for (const [key, spec] of Object.entries(METHOD_PARAMS)) {
    const r = await cli('explain', 'm.json', 'i.png', `--${spec.flag}=-7.5x`);
    assert.equal(r.code, 2, key);
    assert.match(r.err, new RegExp(`^model-lens: --${spec.flag} must be `), key);
  }
});

const panelSettings = (over: Partial<PanelSettings>): PanelSettings => ({
  method: DEFAULT_METHOD,
  target: 'top',
  output: 0,
  colormap: COLORMAPS[0],
  opacity: 0.5,
  params: {},
  ...over,
});

test("the model panel's pickers and validator take exactly the registries' names and the parameters' bounds", () => {
  assert.deepEqual([...PANEL_METHODS], [...METHODS]);
  assert.deepEqual([...PANEL_COLORMAPS], [...COLORMAPS]);
  for (const method of METHODS) assert.ok(parseFromWebview({ type: 'run', settings: panelSettings({ method }) }), method);
  for (const colormap of COLORMAPS) assert.ok(parseFromWebview({ type: 'run', settings: panelSettings({ colormap }) }), colormap);
  assert.equal(parseFromWebview({ type: 'run', settings: panelSettings({ method: 'nope' }) }), undefined);
  assert.equal(parseFromWebview({ type: 'run', settings: panelSettings({ colormap: 'nope' }) }), undefined);
  for (const [key, spec] of Object.entries(METHOD_PARAMS)) {
    const run = (v: unknown) => parseFromWebview({ type: 'run', settings: panelSettings({ params: { [key]: v } as PanelSettings['params'] }) });
    if (spec.kind === 'choice') {
      for (const c of spec.choices) assert.ok(run(c), `${key} ${c}`);
      assert.equal(run('nope'), undefined, key);
    } else {
      assert.ok(run(spec.min), `${key} at its minimum`);
      assert.ok(run(spec.max), `${key} at its maximum`);
      assert.equal(run(spec.min - 1), undefined, `${key} below its minimum`);
      assert.equal(run(spec.max + 1), undefined, `${key} above its maximum`);
    }
  }
});

test("the model panel's controls are the specs': a layer picker for CAM methods, a field per numeric parameter", () => {
  for (const m of METHOD_SPECS) {
    assert.equal(usesLayer(m.name), m.family === 'cam', m.name);
    assert.deepEqual(
      numericParams(m.name).map((p) => p.key),
      m.params.filter((p) => METHOD_PARAMS[p].kind !== 'choice'),
      m.name,
    );
  }
  assert.deepEqual(numericParams('nope'), []);
});

test("the pair panel's pickers and validator take exactly the registries' names", () => {
  assert.deepEqual([...PAIR_PANEL_METHODS], [...PAIR_METHODS]);
  assert.deepEqual([...PAIR_PANEL_COLORMAPS], [...COLORMAPS]);
  const settings = {
    method: PAIR_METHODS[0],
    similarity: SIMILARITIES[0],
    joint: JOINTS[0],
    transform: TRANSFORMS[0],
    seed: 0,
    colormap: COLORMAPS[0],
    opacity: 0.5,
    metrics: false,
  };
  const run = (over: object) => parseFromPairWebview({ type: 'run', state: { second: { kind: 'image' }, settings: { ...settings, ...over } } });
  for (const [key, names] of [
    ['method', PAIR_METHODS],
    ['similarity', SIMILARITIES],
    ['joint', JOINTS],
    ['transform', TRANSFORMS],
    ['assign', ASSIGNS],
    ['colormap', COLORMAPS],
  ] as const) {
    for (const name of names) assert.ok(run({ [key]: name }), `${key} ${name}`);
    assert.equal(run({ [key]: 'nope' }), undefined, key);
  }
  for (const m of PAIR_METHOD_SPECS) assert.ok(m.params.includes('seed'), `${m.name}: every pair method is seeded`);
});
