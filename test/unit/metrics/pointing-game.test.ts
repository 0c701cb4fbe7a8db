import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { argmaxPosition, energyInBox, pointingGameHit } from '../../../src/core/metrics/pointing-game';

// A 4×3 map (width 4), row-major:
//   0 1 0 0
//   0 5 2 0
//   −3 0 0 1
const map = [0, 1, 0, 0, 0, 5, 2, 0, -3, 0, 0, 1];
const box = { x: 1, y: 0, width: 2, height: 2 }; // columns 1–2, rows 0–1

test('the pointing game by hand: the maximum (5 at x 1, y 1) inside the box is a hit, outside a miss; a margin widens the box', () => {
  assert.deepEqual(argmaxPosition(map, 4), { x: 1, y: 1 });
  assert.equal(pointingGameHit(map, 4, box), true);
  assert.equal(pointingGameHit(map, 4, { x: 2, y: 0, width: 2, height: 3 }), false);
  assert.equal(pointingGameHit(map, 4, { x: 2, y: 0, width: 2, height: 3 }, 1), true, 'one pixel of margin reaches x 1');
  assert.deepEqual(argmaxPosition([2, 7, 7], 3), { x: 1, y: 0 }, 'ties: the first');
});

test('the energy pointing game by hand: the positive mass in the box over all positive mass, negatives left out', () => {
  // positive mass 1 + 5 + 2 + 1 = 9; in the box 1 + 5 + 2 = 8 (the −3 is outside and left out anyway)
  assert.equal(energyInBox(map, 4, box), 8 / 9);
  assert.equal(energyInBox([-1, -2], 2, { x: 0, y: 0, width: 1, height: 1 }), 0, 'no positive mass: 0');
});
