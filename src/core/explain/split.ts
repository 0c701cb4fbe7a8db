// A batched method's loops shared out over a pool of workers (TensorFlow.js-free: the worker protocol names these types).

/**
 * One batched loop's work on several workers (src/pool/split.ts). With `share`, every loop of the
 * method computes only its share of the items — [⌊total·k/n⌋, ⌊total·(k+1)/n⌋) — and appends what it
 * computed to `records`; the method's result is then meaningless and only the records are sent back.
 * With `replay` (each share's records, in share order), every loop takes its values from them instead
 * of computing, so the method finishes as if it had computed every item itself. A batched method's
 * loops must therefore not depend on each other's values (occlusion, Score-CAM, Ablation-CAM,
 * SmoothGrad and Integrated Gradients each have one loop; items are seeded by their index).
 */
export interface BatchSplit {
  share?: { index: number; count: number };
  replay?: SplitRecord[][];
  /** What this share's loops computed, in loop order (share mode). */
  records?: SplitRecord[];
  /** The number of loops run so far (replay mode: the record each loop takes). */
  loops?: number;
  /** Replay mode: the longest share's time in the method (ms), added to the replay's own, so the result's time is the method's on the pool. */
  sharesMs?: number;
}

/** A share's work on one loop: a map loop's values for items from `from` on, or a sum loop's partial sum. */
export type SplitRecord = { kind: 'map'; from: number; values: Float32Array } | { kind: 'sum'; shape: number[]; values: Float32Array };

/** The items of share k of n of a loop of `total` items. */
export function shareRange(total: number, share: { index: number; count: number }): [number, number] {
  return [Math.floor((total * share.index) / share.count), Math.floor((total * (share.index + 1)) / share.count)];
}
