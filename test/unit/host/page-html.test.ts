import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { escapeHtml, pageHtml } from '../../../src/host/page-html';

const evil = '<img src=x onerror=alert(1)>.onnx';
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

test('a file name is text in the page title and state, never markup', () => {
  const state = { modelPath: `/w/${evil}`, note: 'a &quot; b </script><script>alert(2)</script>', quote: `"'` };
  const html = pageHtml({ nonce: 'abc+/=', cspSource: 'vscode-resource:', script: 'x.js', style: 'y.css', state, title: evil });
  assert.ok(html.includes('<title>&lt;img src=x onerror=alert(1)&gt;.onnx</title>'));
  assert.ok(!html.includes('<img'), 'no <img tag');
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'only the extension script');
  const attr = /data-state="([^"]*)"/.exec(html)![1];
  assert.deepEqual(JSON.parse(unescape(attr)), state);
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});

test('the page keeps its strict Content-Security-Policy with the nonce', () => {
  const html = pageHtml({ nonce: 'N0nce', cspSource: 'vscode-resource:', script: 'x.js', style: 'y.css', state: {}, title: 't' });
  const csp = unescape(/http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]);
  assert.equal(
    csp,
    "default-src 'none'; img-src vscode-resource: data: blob:; style-src vscode-resource: 'nonce-N0nce'; font-src vscode-resource:; script-src 'nonce-N0nce'",
  );
  assert.match(html, /<script nonce="N0nce" src="x.js"><\/script>/);
});
