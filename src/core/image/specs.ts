/**
 * Names of colormaps and preprocessing choices, and the preprocessing presets, declared once for
 * the CLI, the panels, their validators and package.json. Pure data: the host and webviews import it.
 * Each colormap's colours are in colormap.ts (keyed by these names).
 */

/** The default (turbo) first; `diverging` is the default of signed maps. */
export const COLORMAPS = ['turbo', 'viridis', 'inferno', 'jet', 'gray', 'diverging'] as const;
export type ColormapName = (typeof COLORMAPS)[number];
export const DEFAULT_COLORMAP: ColormapName = 'turbo';
export const SIGNED_COLORMAP: ColormapName = 'diverging';

export function isColormap(name: string): name is ColormapName {
  return (COLORMAPS as readonly string[]).includes(name);
}

export const SCALES = ['0..1', '-1..1', '0..255'] as const;
export type ScaleRange = (typeof SCALES)[number];
/** Pixels as decoded: what a model that rescales its own input is fed. */
export const RAW_SCALE: ScaleRange = '0..255';
export const CHANNEL_ORDERS = ['rgb', 'bgr'] as const;
export const RESIZE_MODES = ['stretch', 'center-crop', 'letterbox'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];
/** `auto`: gray for a one-channel model, RGB for a three-channel one; `gray` also for a three-channel model (luma in every channel). */
export const COLOR_MODES = ['auto', 'gray', 'rgb'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** How an image becomes the model's input (README: "Preprocessing"). */
export interface PreprocessSpec {
  /** Pixel range after scaling. */
  scale: ScaleRange;
  /** Per-channel mean subtracted after scaling, in the model's channel order (optional). */
  mean?: number[];
  /** Per-channel standard deviation divided by after the mean (optional). */
  std?: number[];
  channelOrder: (typeof CHANNEL_ORDERS)[number];
  resize: ResizeMode;
  /** Gray conversion (default `auto`). */
  color?: ColorMode;
  /** 255 − value before scaling: white-on-black digit models fed black-on-white photos (default false). */
  invert?: boolean;
}

/** Every preprocessing setting, in the order the panel and --help list them. */
export const PREPROCESS_KEYS = ['scale', 'mean', 'std', 'channelOrder', 'resize', 'color', 'invert'] as const satisfies readonly (keyof PreprocessSpec)[];
export type PreprocessKey = (typeof PREPROCESS_KEYS)[number];

export const DEFAULT_PREPROCESS: PreprocessSpec = { scale: '0..1', channelOrder: 'rgb', resize: 'stretch' };

/** Named presets for common training pipelines. */
export const PREPROCESS_PRESETS: Record<string, PreprocessSpec> = {
  default: DEFAULT_PREPROCESS,
  inception: { scale: '-1..1', channelOrder: 'rgb', resize: 'stretch' },
  raw: { scale: '0..255', channelOrder: 'rgb', resize: 'stretch' },
  imagenet: { scale: '0..1', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'rgb', resize: 'center-crop' },
  caffe: { scale: '0..255', mean: [103.939, 116.779, 123.68], channelOrder: 'bgr', resize: 'stretch' },
};
