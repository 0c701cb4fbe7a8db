import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatValue } from '../../../src/core/logs/smooth';
import { alpha, color, DASHES, duration, PALETTE, tickLabel, xOf, yTickLabels } from '../../../src/webviews/curves/app/look';

test('one run: a colour per tag, solid; several runs: a colour per run, a dash per tag', () => {
  assert.deepEqual(color(3, 1, true), { stroke: PALETTE[1], dash: [] });
  assert.deepEqual(color(1, 2, false), { stroke: PALETTE[1], dash: DASHES[2] });
  assert.deepEqual(color(11, 5, false), { stroke: PALETTE[1], dash: DASHES[1] }, 'both wrap around');
  assert.equal(alpha('#4e9af1', 0.25), '#4e9af140');
});

test('x values: the step, the wall time in ms, or seconds since the run began', () => {
  const s = { steps: [10, 20], walls: [100.5, 160], values: [1, 2] };
  assert.equal(xOf('step', s, 1, 100), 20);
  assert.equal(xOf('wall', s, 1, 100), 160_000);
  assert.equal(xOf('relative', s, 1, 100), 60);
});

test('tick labels: steps as integers (one decimal otherwise), durations as 1h05m, 3m07s or 42s', () => {
  assert.equal(duration(3900), '1h05m');
  assert.equal(duration(187), '3m07s');
  assert.equal(duration(41.6), '42s');
  assert.equal(tickLabel('step', 500), '500');
  assert.equal(tickLabel('step', 2.25), '2.3');
  assert.equal(tickLabel('relative', 187), '3m07s');
});

test('y tick labels: four significant digits, or as many decimals as the step needs when those would repeat', () => {
  assert.deepEqual(yTickLabels([0, 0.5, 1, 1.5], formatValue), ['0', '0.5', '1', '1.5']);
  // 0.12342 … 0.12348 all read 0.1234 at four digits.
  assert.deepEqual(yTickLabels([0.12342, 0.12344, 0.12346, 0.12348], formatValue), ['0.123420', '0.123440', '0.123460', '0.123480']);
  assert.deepEqual(yTickLabels([1000.1, 1000.2, 1000.3], formatValue), ['1000.10', '1000.20', '1000.30']);
});
