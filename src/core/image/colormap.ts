import { interpolateInferno, interpolateRdBu, interpolateTurbo, interpolateViridis } from 'd3-scale-chromatic';

import { COLORMAPS, type ColormapName } from './specs';

export { COLORMAPS, isColormap, type ColormapName } from './specs';

/** Classic MATLAB jet: piecewise-linear ramps of blue → cyan → yellow → red. */
function jet(t: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [c(1.5 - Math.abs(4 * t - 3)), c(1.5 - Math.abs(4 * t - 2)), c(1.5 - Math.abs(4 * t - 1))];
}

/** d3's interpolators answer "rgb(r, g, b)" or "#rrggbb". */
function parseRgb(s: string): [number, number, number] {
  const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
  if (h) return [parseInt(h[1], 16), parseInt(h[2], 16), parseInt(h[3], 16)];
  throw new Error(`unexpected colour ${s}`);
}

const SOURCES: Record<ColormapName, (t: number) => [number, number, number]> = {
  turbo: (t) => parseRgb(interpolateTurbo(t)),
  viridis: (t) => parseRgb(interpolateViridis(t)),
  inferno: (t) => parseRgb(interpolateInferno(t)),
  jet,
  gray: (t) => {
    const v = Math.round(255 * t);
    return [v, v, v];
  },
  // Blue for negative, white at zero, red for positive (RdBu reversed).
  diverging: (t) => parseRgb(interpolateRdBu(1 - t)),
};

const luts = new Map<ColormapName, Uint8Array>();

/** 256 RGB entries for the colormap, t = i / 255. */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = luts.get(name);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) lut.set(SOURCES[name](i / 255), i * 3);
    luts.set(name, lut);
  }
  return lut;
}

/** Every colormap's lookup table as plain arrays (what the panels send their webviews once). */
export function colormapLuts(): Record<string, number[]> {
  return Object.fromEntries(COLORMAPS.map((c) => [c, Array.from(colormapLut(c))]));
}
