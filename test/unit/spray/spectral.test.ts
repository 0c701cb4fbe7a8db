import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Matrix } from 'ml-matrix';
import { mulberry32 } from '../../../src/core/explain/random';
import { eigengap, knnGraph, normalizedLaplacian, spectralClusters, symmetricEigen } from '../../../src/core/spray/spectral';
import { assertAllClose } from '../../helpers/assert-close';

test('the normalised Laplacian of the path 0–1–2 by hand: degrees 1, 2, 1, off-diagonal −1/√2, eigenvalues 0, 1, 2', () => {
  const a = new Matrix([
    [0, 1, 0],
    [1, 0, 1],
    [0, 1, 0],
  ]);
  const l = normalizedLaplacian(a);
  const r = Math.SQRT1_2;
  assertAllClose(l.to1DArray(), [1, -r, 0, -r, 1, -r, 0, -r, 1], 1e-12, 'L');
  const { values, vectors } = symmetricEigen(l);
  assertAllClose(values, [0, 1, 2], 1e-12, 'eigenvalues');
  // The eigenvector of 0 is D^(1/2)·1 normalised: [1, √2, 1] / 2 (up to sign).
  const v0 = vectors.getColumn(0).map((v) => Math.abs(v));
  assertAllClose(v0, [0.5, Math.SQRT2 / 2, 0.5], 1e-12, 'first eigenvector');
});

test('the symmetric k-nearest-neighbour graph by hand (points 0, 1, 3, 10 on a line, k = 1)', () => {
  // nearest of 0 is 1, of 1 is 0, of 3 is 1, of 10 is 3: edges 0–1, 1–2, 2–3.
  const a = knnGraph([[0], [1], [3], [10]], 1);
  assert.deepEqual(a.to2DArray(), [
    [0, 1, 0, 0],
    [1, 0, 1, 0],
    [0, 1, 0, 1],
    [0, 0, 1, 0],
  ]);
  assert.throws(() => knnGraph([[0], [1]], 2), { message: '--neighbours 2 must be at least 1 and less than the number of images (2)' });
});

test('the eigengap picks the k after the largest jump among the ascending eigenvalues', () => {
  assert.equal(eigengap([0, 0, 0.01, 0.9, 1.1]), 3); // gaps at k = 2, 3, 4: 0.01, 0.89, 0.2
  assert.equal(eigengap([0, 0, 0.8, 0.9, 1.0]), 2);
  assert.equal(eigengap([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 5], 10), 2, 'no gap beyond the first ten: the first of equal gaps');
});

test('spectral clustering finds three separated groups: three zero eigenvalues, the eigengap says 3, k-means recovers them (seeded)', () => {
  const rand = mulberry32(5);
  const centres = [
    [0, 0, 0, 0, 0],
    [10, 0, 0, 0, 0],
    [0, 10, 0, 0, 0],
  ];
  const truth: number[] = [];
  const rows: number[][] = [];
  for (let i = 0; i < 24; i++) {
    const c = [0, 2, 1][i % 3];
    truth.push(c);
    rows.push(centres[c].map((v) => v + rand() - 0.5));
  }
  const r = spectralClusters(rows, { neighbours: 4, seed: 0 });
  assert.equal(r.clusters, 3);
  assertAllClose(r.eigenvalues.slice(0, 3), [0, 0, 0], 1e-9, 'one zero eigenvalue per connected group');
  assert.ok(r.eigenvalues[3] > 0.1, `a gap after the third: ${r.eigenvalues[3]}`);
  // The same partition (labels are numbered by first appearance).
  const same = (p: number[], q: number[]) => p.every((_, i) => p.every((__, j) => (p[i] === p[j]) === (q[i] === q[j])));
  assert.ok(same(r.labels, truth), `labels ${r.labels.join('')} vs ${truth.join('')}`);
  assert.deepEqual(r.labels.slice(0, 3), [0, 1, 2]);
  assert.deepEqual(spectralClusters(rows, { neighbours: 4, seed: 0 }), r, 'seeded: the same result again');
  assert.equal(spectralClusters(rows, { neighbours: 4, seed: 0, clusters: 2 }).clusters, 2, '--clusters N overrides the eigengap');
});
