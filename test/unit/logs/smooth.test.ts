import { test } from 'node:test';
import * as assert from 'node:assert/strict';

test("smoothing is TensorBoard's debiased EMA (hand-computed), with gaps kept; sparkline and value format", async () => {
  const { smooth, sparkline, formatValue } = await import('../../../src/core/logs/smooth');
  // w = 0.5: last = 0.5·1 = 0.5 → /0.5 = 1; last = 0.25 + 1.5 = 1.75 → /0.75 = 2.3333…; NaN stays;
  // last = 0.875 + 0.5·5 = 3.375 → /0.875 = 3.857142…
  const s = smooth([1, 3, NaN, 5], 0.5);
  assert.equal(s[0], 1);
  assert.ok(Math.abs(s[1] - 7 / 3) < 1e-12);
  assert.ok(Number.isNaN(s[2]));
  assert.ok(Math.abs(s[3] - 3.375 / 0.875) < 1e-12);
  assert.deepEqual(smooth([1, 2, Infinity], 0), [1, 2, Infinity]);
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([1, NaN, 3], 3), '▁ █');
  assert.equal(sparkline([0, 0, 10, 10], 2), '▁█'); // bucket means
  assert.deepEqual([0.362345, 1234.5678, 0.0001234, NaN, -Infinity, 2].map(formatValue), ['0.3623', '1235', '1.23e-4', 'NaN', '-Inf', '2']);
});
