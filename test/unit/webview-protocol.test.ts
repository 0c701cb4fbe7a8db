import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseFromWebview } from '../../src/webviews/model/protocol';

const settings = { method: 'gradcam', target: 'top', output: 0, colormap: 'turbo', opacity: 0.5, params: { steps: 20 } };

test('valid webview messages pass the host-side check', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseFromWebview({ type: 'run', settings }), { type: 'run', settings });
  assert.deepEqual(parseFromWebview({ type: 'run', settings: { ...settings, target: 3, layer: 'conv2' } })?.type, 'run');
  // Export PNG is rendered by the worker from the result the host keeps: the message carries nothing, and nothing it adds passes.
  assert.deepEqual(parseFromWebview({ type: 'exportPng', dataUrl: 'file:///etc/passwd' }), { type: 'exportPng' });
  assert.deepEqual(parseFromWebview({ type: 'run', settings: { ...settings, exportSize: 1024, exportColorbar: true } })?.type, 'run');
  // The Model input controls: any subset of the settings; saving needs scale, channel order and resize.
  const withInput = { ...settings, preprocess: { scale: '0..255', invert: true, color: 'gray', mean: [0.5], std: [0.25, 0.25, 0.25] } };
  assert.deepEqual(parseFromWebview({ type: 'run', settings: withInput }), { type: 'run', settings: withInput });
  const full = { scale: '-1..1', channelOrder: 'bgr', resize: 'letterbox' };
  assert.deepEqual(parseFromWebview({ type: 'savePreprocess', preprocess: full }), { type: 'savePreprocess', preprocess: full });
  // The Metrics section: the explanation's settings and whether to run the sanity check.
  assert.deepEqual(parseFromWebview({ type: 'metrics', settings, sanity: true, boxes: '/etc/x' }), { type: 'metrics', settings, sanity: true });
});

test('anything else is dropped', () => {
  const bad: unknown[] = [
    null,
    'ready',
    { type: 'rm -rf' },
    { type: 'run', settings: { ...settings, method: 'magic' } },
    { type: 'run', settings: { ...settings, opacity: 2 } },
    { type: 'run', settings: { ...settings, target: -1 } },
    { type: 'run', settings: { ...settings, target: 1.5 } },
    { type: 'run', settings: { ...settings, colormap: 'rainbow' } },
    { type: 'run', settings: { ...settings, params: { steps: 0 } } },
    { type: 'run', settings: { ...settings, params: { baseline: 'evil' } } },
    { type: 'run', settings: { ...settings, layer: 7 } },
    { type: 'run', settings: { ...settings, exportSize: 1e9 } },
    { type: 'run', settings: { ...settings, exportSize: 100.5 } },
    { type: 'run', settings: { ...settings, exportColorbar: 'yes' } },
    { type: 'useImage', path: 42 },
    { type: 'copyJson', json: {} },
    { type: 'run', settings: { ...settings, preprocess: { scale: '0..100' } } },
    { type: 'run', settings: { ...settings, preprocess: { std: [0] } } },
    { type: 'run', settings: { ...settings, preprocess: { mean: [1, 2, 3, 4, 5] } } },
    { type: 'run', settings: { ...settings, preprocess: { invert: 'yes' } } },
    { type: 'run', settings: { ...settings, preprocess: { color: 'sepia' } } },
    { type: 'run', settings: { ...settings, preprocess: { path: '/etc' } } },
    { type: 'savePreprocess', preprocess: { scale: '0..1' } },
    { type: 'metrics', settings, sanity: 'yes' },
    { type: 'metrics', settings: { ...settings, method: 'magic' }, sanity: false },
    { type: 'savePreprocess', preprocess: { scale: '0..1', channelOrder: 'rgb', resize: 'stretch', mean: 'x' } },
  ];
  for (const m of bad) assert.equal(parseFromWebview(m), undefined, JSON.stringify(m));
});

import { parseFromPairWebview } from '../../src/webviews/pair/protocol';

const pair = { method: 'conditional', similarity: 'cosine', joint: 'mean', transform: 'jitter', seed: 0, colormap: 'turbo', opacity: 0.5, metrics: false };

test('the pair panel: valid messages pass', () => {
  const run = { type: 'run', state: { second: { kind: 'augment', spec: 'crop=0.6,flip,jitter=0.4' }, settings: pair } };
  assert.deepEqual(parseFromPairWebview(run), run);
  assert.equal(
    parseFromPairWebview({
      type: 'run',
      state: { second: { kind: 'image', path: '/data/b.png' }, settings: { ...pair, method: 'interaction-cam', layer: 'last_conv', window: 8 } },
    })?.type,
    'run',
  );
  assert.equal(
    parseFromPairWebview({
      type: 'run',
      state: { second: { kind: 'augment', spec: 'flip' }, settings: { ...pair, method: 'pairwise', temperature: 0.2, assign: 'smaller-norm' } },
    })?.type,
    'run',
  );
  assert.deepEqual(parseFromPairWebview({ type: 'probe', view: 'b', top: 3, left: 40 }), { type: 'probe', view: 'b', top: 3, left: 40 });
  assert.deepEqual(parseFromPairWebview({ type: 'pickImage', which: 'a' }), { type: 'pickImage', which: 'a' });
});

test('the pair panel: anything else is dropped', () => {
  const state = (change: Record<string, unknown>, second: unknown = { kind: 'augment', spec: 'flip' }) => ({
    type: 'run',
    state: { second, settings: { ...pair, ...change } },
  });
  const bad: unknown[] = [
    state({ method: 'gradcam' }),
    state({ similarity: 'l1' }),
    state({ joint: 'sum' }),
    state({ transform: 'invert' }),
    state({ seed: -1 }),
    state({ window: 0 }),
    state({ samples: 2.5 }),
    state({ temperature: 0 }),
    state({ temperature: -1 }),
    state({ temperature: '0.2' }),
    state({ temperature: 1000 }),
    state({ assign: 'a' }),
    state({ opacity: -0.1 }),
    state({ metrics: 'yes' }),
    state({ embedding: '' }),
    state({}, { kind: 'augment', spec: 'flip; rm -rf /' }),
    state({}, { kind: 'image', path: 7 }),
    state({}, { kind: 'url', href: 'https://example.com' }),
    { type: 'probe', view: 'c', top: 1, left: 1 },
    { type: 'probe', view: 'a', top: -1, left: 1 },
    { type: 'pickImage', which: 'both' },
    { type: 'exportPng', dataUrl: 'javascript:alert(1)' },
  ];
  for (const m of bad) assert.equal(parseFromPairWebview(m), undefined, JSON.stringify(m));
});

import { defaultCurvesSettings, groupOf, parseFromCurvesWebview, stackable } from '../../src/webviews/curves/protocol';
import { seriesData } from '../../src/webviews/curves/series-data';
import { Series } from '../../src/core/logs/series';

test('the curves panel: valid messages pass', () => {
  const settings = { ...defaultCurvesSettings(), hidden: ['/runs/a\nloss/kd'], hiddenRuns: ['/runs/b'], pair: false, ignoreOutliers: true };
  for (const m of [
    { type: 'ready' },
    { type: 'exportCsv' },
    { type: 'addRuns' },
    { type: 'exportPng', dataUrl: 'data:image/png;base64,AAAA' },
    { type: 'state', state: { runs: ['/runs/a'], settings } },
    { type: 'state', state: { runs: [], focus: 'loss/kd', settings } },
    { type: 'state', state: { runs: ['/runs/a'], filter: '^loss/', settings } },
  ]) {
    assert.deepEqual(parseFromCurvesWebview(m), m);
  }
  assert.equal(
    parseFromCurvesWebview({ type: 'state', state: { runs: [], filter: 'x'.repeat(501), settings } }),
    undefined,
    'a filter is at most 500 characters',
  );
  assert.equal(parseFromCurvesWebview({ type: 'state', state: { runs: [], filter: 3, settings } }), undefined);
  // A state saved before pairing, outlier scaling and the run legend existed (with the old stacked list) gets their defaults.
  const old = { smoothing: 0.5, xAxis: 'wall', logScale: true, stacked: ['loss'], hidden: [] };
  assert.deepEqual(parseFromCurvesWebview({ type: 'state', state: { runs: [], settings: old } }), {
    type: 'state',
    state: { runs: [], settings: { smoothing: 0.5, xAxis: 'wall', logScale: true, pair: true, ignoreOutliers: false, hidden: [], hiddenRuns: [] } },
  });
});

test('the curves panel: anything else is dropped', () => {
  const settings = defaultCurvesSettings();
  for (const m of [
    null,
    'ready',
    { type: 'run' },
    { type: 'exportPng', dataUrl: 'data:text/html;base64,AAAA' },
    { type: 'state', state: { runs: ['/a'], settings: { ...settings, smoothing: 1.5 } } },
    { type: 'state', state: { runs: ['/a'], settings: { ...settings, smoothing: '0.5' } } },
    { type: 'state', state: { runs: ['/a'], settings: { ...settings, xAxis: 'epoch' } } },
    { type: 'state', state: { runs: ['/a'], settings: { ...settings, hidden: [1] } } },
    { type: 'state', state: { runs: ['/a'], settings: { ...settings, hiddenRuns: '/a' } } },
    { type: 'state', state: { runs: ['/a'], settings: { ...settings, pair: 'yes' } } },
    { type: 'state', state: { runs: ['/a'], settings: { ...settings, ignoreOutliers: 1 } } },
    { type: 'state', state: { runs: '/a', settings } },
    { type: 'state', state: { runs: ['/a'], focus: 3, settings } },
    { type: 'state', state: { runs: ['/a'] } },
  ]) {
    assert.equal(parseFromCurvesWebview(m), undefined, JSON.stringify(m));
  }
});

test('groups and the distillation view: a total with two or more terms stacks', () => {
  assert.deepEqual([groupOf('loss/kd'), groupOf('val_acc'), groupOf('a/b/c')], ['loss', 'val_acc', 'a']);
  assert.deepEqual(stackable(['loss/total', 'loss/ce', 'loss/kd']), { total: 'loss/total', terms: ['loss/ce', 'loss/kd'] });
  assert.deepEqual(stackable(['train/loss', 'train/hint', 'train/kd', 'train/ce']), { total: 'train/loss', terms: ['train/hint', 'train/kd', 'train/ce'] });
  assert.equal(stackable(['loss/total', 'loss/ce']), undefined);
  assert.equal(stackable(['loss/ce', 'loss/kd']), undefined);
  // With values: the terms are what the total adds up at its last step.
  const at = (vals: Record<string, number>) => ({ steps: () => [10], value: (t: string) => vals[t] });
  assert.deepEqual(stackable(['loss/total', 'loss/ce', 'loss/kd'], at({ 'loss/total': 0.5, 'loss/ce': 0.2, 'loss/kd': 0.3 })), {
    total: 'loss/total',
    terms: ['loss/ce', 'loss/kd'],
  });
  assert.equal(
    stackable(['train/loss', 'train/learning_rate', 'train/grad_norm'], at({ 'train/loss': 1.4, 'train/learning_rate': 5e-5, 'train/grad_norm': 3.2 })),
    undefined,
    "Hugging Face's train group: no terms of the loss",
  );
  assert.deepEqual(
    stackable(['loss', 'loss_ce', 'loss_kd', 'lr'], at({ loss: 0.9, loss_ce: 0.4, loss_kd: 0.5, lr: 0.01 })),
    { total: 'loss', terms: ['loss_ce', 'loss_kd'] },
    'the learning rate is left out',
  );
  // A NaN at the last step: the last finite one decides.
  const series: Record<string, Record<number, number>> = { 'loss/total': { 1: 0.5, 2: NaN }, 'loss/ce': { 1: 0.2, 2: 0.1 }, 'loss/kd': { 1: 0.3, 2: NaN } };
  assert.deepEqual(stackable(['loss/total', 'loss/ce', 'loss/kd'], { steps: () => [1, 2], value: (t, step) => series[t][step] })?.terms, [
    'loss/ce',
    'loss/kd',
  ]);
});

test("series sent to the panel: non-finite values become null (gaps); long series keep each bucket's first, min, max, a gap and last", () => {
  const s = new Series();
  [3, NaN, 1, Infinity, 5].forEach((v, i) => s.push(i, i === 2 ? NaN : 100 + i, v));
  assert.deepEqual(seriesData('loss', s), { steps: [0, 1, 2, 3, 4], walls: [100, 101, null, 103, 104], values: [3, null, 1, null, 5] });
  assert.deepEqual(seriesData('loss', s, 3), { steps: [3, 4], walls: [103, 104], values: [null, 5] });
  const long = new Series();
  const values = [5, 9, 1, 7, NaN, 6, 2, 8, 4, 3, 0, 9];
  values.forEach((v, i) => long.push(i, 0, v));
  // max 8 → 2 buckets of 6: [5 9 1 7 NaN 6] keeps 0 (first), 2 (min 1), 1 (max 9), 4 (gap), 5 (last);
  // [2 8 4 3 0 9] keeps 6 (first), 10 (min 0) and 11 (max 9, also the last).
  assert.deepEqual(seriesData('loss', long, 0, 8).steps, [0, 1, 2, 4, 5, 6, 10, 11]);
});
