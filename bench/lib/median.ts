/** Median wall time in ms of `runs` calls after one warm-up call (kernels compiled, weights uploaded). */
export async function median(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * `rounds` values of each of two measurements, interleaved — A then B, then B then A, … — so that a
 * drift in the machine's load falls on both sides alike.
 */
export async function interleaved(rounds: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[number[], number[]]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return [as, bs];
}
