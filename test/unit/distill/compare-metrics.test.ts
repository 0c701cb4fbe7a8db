import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { averageRanks, cosine, iouTop, klDivergence, meanOf, rankCorrelation, softmax, topIndices } from '../../../src/core/distill/compare-metrics';
import { parseBoxes } from '../../../src/core/metrics/boxes';

const close = (a: number | null, b: number, tol = 1e-12) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('average ranks share ties; Spearman on hand-made maps', () => {
  assert.deepEqual([...averageRanks([10, 20, 20, 5])], [2, 3.5, 3.5, 1]);
  close(rankCorrelation([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  close(rankCorrelation([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // [1,2,3,4] against [1,3,2,4]: d = (0,1,1,0), ρ = 1 − 6·2 / (4·15) = 0.8.
  close(rankCorrelation([1, 2, 3, 4], [1, 3, 2, 4]), 0.8);
  // With ties: ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4]: Pearson of the ranks = 4.5 / √(4.5·5) = 0.948683…
  close(rankCorrelation([1, 5, 5, 9], [1, 2, 3, 4]), 4.5 / Math.sqrt(4.5 * 5));
  assert.equal(rankCorrelation([2, 2, 2], [1, 2, 3]), null, 'a constant map has no rank order');
});

test('IoU of the top 20 %, cosine, KL and softmax by hand', () => {
  // 10 pixels: the top 20 % is 2 of them.
  const a = [9, 8, 0, 0, 0, 0, 0, 0, 0, 1];
  const b = [9, 0, 8, 0, 0, 0, 0, 0, 0, 1];
  assert.deepEqual([...topIndices(a)], [0, 1]);
  close(iouTop(a, b), 1 / 3, 1e-12); // {0,1} ∩ {0,2} = {0}, union 3
  close(iouTop(a, a), 1);
  close(cosine([1, 0], [1, 1]), Math.SQRT1_2);
  assert.equal(cosine([0, 0], [1, 1]), null);
  // KL([½, ½] ‖ [¼, ¾]) = ½ ln 2 + ½ ln(2/3).
  close(klDivergence([0.5, 0.5], [0.25, 0.75]), 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3));
  close(klDivergence([0.3, 0.7], [0.3, 0.7]), 0);
  const s = softmax([0, Math.log(3)]);
  close(s[0], 0.25);
  close(s[1], 0.75);
  assert.equal(meanOf([1, null, 3]), 2);
  assert.equal(meanOf([null]), null);
});

test('--boxes: the demo layout and the plain object give the same boxes; bad files name the problem', () => {
  const demo = parseBoxes(JSON.stringify([{ file: 'a.png', label: 0, box: { x: 2, y: 3, width: 10, height: 4 } }]), 'boxes.json');
  const plain = parseBoxes('{"a.png": [2, 3, 12, 7]}', 'boxes.json');
  assert.deepEqual([...demo], [['a.png', { x: 2, y: 3, width: 10, height: 4 }]]);
  assert.deepEqual([...plain], [...demo]);
  const shape = 'expected [{"file", "box": {"x", "y", "width", "height"}}, …] or {"<file>": [x0, y0, x1, y1]}';
  assert.throws(() => parseBoxes('{"a.png": [2, 3, 1, 7]}', 'b.json'), { message: `b.json: the box of "a.png" has x1 ≤ x0 or y1 ≤ y0; ${shape}` });
  assert.throws(() => parseBoxes('{"a.png": [2, 3]}', 'b.json'), { message: `b.json: the box of "a.png" is not [x0, y0, x1, y1]; ${shape}` });
  assert.throws(() => parseBoxes('[{"file": "a.png"}]', 'b.json'), { message: `b.json: entry 0 has no "file" and "box"; ${shape}` });
  assert.throws(() => parseBoxes('[', 'b.json'), /^InputError: b\.json: malformed JSON|b\.json: malformed JSON/);
});
