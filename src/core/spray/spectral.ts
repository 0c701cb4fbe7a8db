/**
 * The spectral part of SpRAy (Lapuschkin et al. 2019, "Unmasking Clever Hans predictors"; EXPLAIN.md):
 * heat maps as vectors → a symmetric k-nearest-neighbour graph → the symmetric normalised Laplacian
 * L = I − D^(−1/2) A D^(−1/2) → its eigenvalues and vectors (ml-matrix) → the number of clusters at the
 * largest gap among the smallest eigenvalues → k-means (ml-kmeans, seeded) on the rows of the first k
 * eigenvectors, each scaled to unit length (Ng, Jordan and Weiss). Pure: no TensorFlow.js.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { kmeans } from 'ml-kmeans';
import { InputError } from '../errors';

/** Euclidean distances between every two rows. */
export function distances(rows: ArrayLike<number>[]): Float64Array {
  const n = rows.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      const a = rows[i];
      const b = rows[j];
      for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
      d[i * n + j] = d[j * n + i] = Math.sqrt(s);
    }
  return d;
}

/**
 * The symmetric k-nearest-neighbour graph: A[i][j] = 1 when j is among the k nearest of i or i among the
 * k nearest of j (ties broken by index), 0 on the diagonal.
 */
export function knnGraph(rows: ArrayLike<number>[], k: number): Matrix {
  const n = rows.length;
  if (k < 1 || k >= n) throw new InputError(`--neighbours ${k} must be at least 1 and less than the number of images (${n})`);
  const d = distances(rows);
  const a = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((p, q) => d[i * n + p] - d[i * n + q] || p - q);
    for (const j of order.slice(0, k)) {
      a.set(i, j, 1);
      a.set(j, i, 1);
    }
  }
  return a;
}

/** L = I − D^(−1/2) A D^(−1/2); a node without edges keeps L[i][i] = 1. */
export function normalizedLaplacian(a: Matrix): Matrix {
  const n = a.rows;
  const inv = Array.from({ length: n }, (_, i) => {
    const deg = a.getRow(i).reduce((s, v) => s + v, 0);
    return deg > 0 ? 1 / Math.sqrt(deg) : 0;
  });
  const l = Matrix.eye(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (a.get(i, j) !== 0) l.set(i, j, l.get(i, j) - inv[i] * a.get(i, j) * inv[j]);
  return l;
}

/** Eigenvalues in ascending order with their eigenvectors (columns of `vectors`, same order). */
export function symmetricEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = e.realEigenvalues;
  const order = values.map((_, i) => i).sort((p, q) => values[p] - values[q]);
  return { values: order.map((i) => values[i]), vectors: reorder(e.eigenvectorMatrix, order) };
}

function reorder(v: Matrix, order: number[]): Matrix {
  const out = new Matrix(v.rows, order.length);
  order.forEach((c, k) => out.setColumn(k, v.getColumn(c)));
  return out;
}

/**
 * The number of clusters by the eigengap heuristic: k (2 ≤ k ≤ max) where λ_k − λ_(k−1) is largest among
 * the ascending eigenvalues (λ_0 the smallest).
 */
export function eigengap(values: number[], max = 10): number {
  let best = 2;
  let gap = -Infinity;
  for (let k = 2; k <= Math.min(max, values.length - 1); k++) {
    const g = values[k] - values[k - 1];
    if (g > gap + 1e-12) {
      gap = g;
      best = k;
    }
  }
  return best;
}

export interface SpectralResult {
  /** The smallest eigenvalues (up to 10), ascending. */
  eigenvalues: number[];
  clusters: number;
  /** Each row's cluster, 0-based, numbered by first appearance. */
  labels: number[];
}

/** Spectral clustering of the rows: the graph, L, its eigenvectors, the eigengap (unless `clusters` is given), seeded k-means. */
export function spectralClusters(
  rows: ArrayLike<number>[],
  opts: { neighbours: number; clusters?: number; seed: number; timings?: Record<string, number> },
): SpectralResult {
  const n = rows.length;
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    if (opts.timings) opts.timings[stage] = now - t;
    t = now;
  };
  const l = normalizedLaplacian(knnGraph(rows, opts.neighbours));
  lap('graph');
  const { values, vectors } = symmetricEigen(l);
  lap('eigen');
  const k = opts.clusters ?? eigengap(values);
  if (k < 1 || k > n) throw new InputError(`--clusters ${k} must be between 1 and the number of images (${n})`);
  const points = Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: k }, (_, c) => vectors.get(i, c));
    const norm = Math.hypot(...row) || 1;
    return row.map((v) => v / norm);
  });
  const raw = k === 1 ? new Array<number>(n).fill(0) : kmeans(points, k, { seed: opts.seed + 1, initialization: 'kmeans++', maxIterations: 300 }).clusters;
  lap('kmeans');
  // Numbered by first appearance: the same partition gives the same labels whatever k-means called them.
  const names = new Map<number, number>();
  const labels = raw.map((c) => {
    if (!names.has(c)) names.set(c, names.size);
    return names.get(c)!;
  });
  return { eigenvalues: values.slice(0, 10), clusters: k, labels };
}
