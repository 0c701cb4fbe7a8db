/**
 * Resource limits on what a workspace file may make Model Lens allocate (docs/FORMATS.md, "Limits").
 * One object per process: the CLI sets it from --max-pixels, --max-model-bytes and --out-size, the
 * extension's worker from the modelLens.limits.* settings.
 */
export interface Limits {
  /** Decoded image size, as the file's header declares it (pixels). */
  maxPixels: number;
  /** A model's files (model.json and shards, .onnx and external data, .h5/.keras), and its weights' total bytes. */
  maxModelBytes: number;
  /** Long side of overlays and of `--heatmap-out`'s image; images much larger than the model input are shrunk to it on load. */
  outSize: number;
  /** Nesting depth of a model.json or a Keras config. */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPixels: 100_000_000,
  maxModelBytes: 2 * 1024 ** 3,
  outSize: 2048,
  maxJsonDepth: 256,
});

let current: Limits = { ...DEFAULT_LIMITS };

export function limits(): Readonly<Limits> {
  return current;
}

/** Sets some limits; the rest keep their defaults. */
export function setLimits(over: Partial<Limits>): void {
  current = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(over) as [keyof Limits, number | undefined][]) if (v !== undefined) current[k] = v;
}
