import { mulberry32 } from '../../src/core/explain/random';

/** A seeded random source for mutators: the same seed gives the same campaign. */
export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** A value that breaks code: boundaries, signs, huge and non-finite numbers. */
  interestingNumber(): number {
    return this.pick([0, -1, 1, 2, 3, -3, 255, 256, 65535, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 1e9, -1e9, 1e15, 2 ** 53, 0.5, -0.5, 1e-30, 7]);
  }
}
