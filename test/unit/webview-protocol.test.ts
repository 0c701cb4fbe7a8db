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
