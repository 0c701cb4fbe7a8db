/** An axis-aligned box in image pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Position of the map's maximum (first on ties), in pixels. */
export function argmaxPosition(values: ArrayLike<number>, width: number): { x: number; y: number } {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return { x: best % width, y: Math.floor(best / width) };
}

export function insideBox(p: { x: number; y: number }, box: Box, margin = 0): boolean {
  return p.x >= box.x - margin && p.x < box.x + box.width + margin && p.y >= box.y - margin && p.y < box.y + box.height + margin;
}

/** Pointing game (EXPLAIN.md): a hit when the map's maximum falls inside the annotated box. */
export function pointingGameHit(values: ArrayLike<number>, width: number, box: Box, margin = 0): boolean {
  return insideBox(argmaxPosition(values, width), box, margin);
}

/** Energy pointing game: the share of the (non-negative part of the) map's mass inside the box. */
export function energyInBox(values: ArrayLike<number>, width: number, box: Box): number {
  let inside = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.max(0, values[i]);
    total += v;
    if (insideBox({ x: i % width, y: Math.floor(i / width) }, box)) inside += v;
  }
  return total > 0 ? inside / total : 0;
}
