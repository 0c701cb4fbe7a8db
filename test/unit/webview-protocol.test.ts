import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseFromWebview } from '../../src/webviews/model/protocol';

const settings = { method: 'gradcam', target: 'top', output: 0, colormap: 'turbo', opacity: 0.5, params: { steps: 20 } };

test('valid webview messages pass the host-side check', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseFromWebview({ type: 'run', settings }), { type: 'run', settings });
  assert.deepEqual(parseFromWebview({ type: 'run', settings: { ...settings, target: 3, layer: 'conv2' } })?.type, 'run');
  assert.deepEqual(parseFromWebview({ type: 'exportPng', dataUrl: 'data:image/png;base64,AAAA' })?.type, 'exportPng');
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
    { type: 'exportPng', dataUrl: 'file:///etc/passwd' },
    { type: 'useImage', path: 42 },
    { type: 'copyJson', json: {} },
  ];
  for (const m of bad) assert.equal(parseFromWebview(m), undefined, JSON.stringify(m));
});

import { parseFromPairWebview } from '../../src/webviews/pair/protocol';

const pair = { method: 'conditional', similarity: 'cosine', joint: 'mean', transform: 'jitter', seed: 0, colormap: 'turbo', opacity: 0.5, metrics: false };

test('the pair panel: valid messages pass', () => {
  const run = { type: 'run', state: { second: { kind: 'augment', spec: 'crop=0.6,flip,jitter=0.4' }, settings: pair } };
  assert.deepEqual(parseFromPairWebview(run), run);
  assert.equal(parseFromPairWebview({ type: 'run', state: { second: { kind: 'image', path: '/data/b.png' }, settings: { ...pair, method: 'interaction-cam', layer: 'last_conv', window: 8 } } })?.type, 'run');
  assert.deepEqual(parseFromPairWebview({ type: 'probe', view: 'b', top: 3, left: 40 }), { type: 'probe', view: 'b', top: 3, left: 40 });
  assert.deepEqual(parseFromPairWebview({ type: 'pickImage', which: 'a' }), { type: 'pickImage', which: 'a' });
});

test('the pair panel: anything else is dropped', () => {
  const state = (change: Record<string, unknown>, second: unknown = { kind: 'augment', spec: 'flip' }) => ({ type: 'run', state: { second, settings: { ...pair, ...change } } });
  const bad: unknown[] = [
    state({ method: 'gradcam' }),
    state({ similarity: 'l1' }),
    state({ joint: 'sum' }),
    state({ transform: 'invert' }),
    state({ seed: -1 }),
    state({ window: 0 }),
    state({ samples: 2.5 }),
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
