import * as tf from '@tensorflow/tfjs-core';
import { InputError, orList } from '../errors';
import { printable } from '../io/files';
import type { RgbImage } from './decode';
import { CHANNEL_ORDERS, COLOR_MODES, DEFAULT_PREPROCESS, RESIZE_MODES, SCALES, type PreprocessSpec, type ResizeMode } from './specs';

export { DEFAULT_PREPROCESS, PREPROCESS_PRESETS, type PreprocessSpec, type ResizeMode, type ScaleRange } from './specs';

/** A rectangle in pixels: x, y of the top-left corner, width, height. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where the image sits in the model input: the image's `source` region fills the input's `target` region. */
export interface InputGeometry {
  imageWidth: number;
  imageHeight: number;
  inputWidth: number;
  inputHeight: number;
  mode: ResizeMode;
  source: Rect;
  target: Rect;
}

export interface ModelInput {
  /** [1, H, W, C], preprocessed. */
  tensor: tf.Tensor4D;
  geometry: InputGeometry;
  /** What was done to the image that a user should know: a changed aspect ratio, gray conversion, inversion. */
  notes: string[];
}

export function validatePreprocess(spec: Partial<PreprocessSpec>, where: string): PreprocessSpec {
  const out: PreprocessSpec = { ...DEFAULT_PREPROCESS, ...spec };
  if (!(SCALES as readonly string[]).includes(out.scale))
    throw new InputError(`${where}: scale must be one of ${SCALES.join(', ')} (got "${printable(String(out.scale))}")`);
  if (!(CHANNEL_ORDERS as readonly string[]).includes(out.channelOrder))
    throw new InputError(`${where}: channelOrder must be ${orList(CHANNEL_ORDERS)} (got "${printable(String(out.channelOrder))}")`);
  if (!(RESIZE_MODES as readonly string[]).includes(out.resize)) {
    throw new InputError(`${where}: resize must be ${orList(RESIZE_MODES)} (got "${printable(String(out.resize))}")`);
  }
  for (const key of ['mean', 'std'] as const) {
    const v = out[key];
    if (v !== undefined && (!Array.isArray(v) || v.length === 0 || v.some((n) => typeof n !== 'number' || !Number.isFinite(n)))) {
      throw new InputError(`${where}: ${key} must be a list of numbers`);
    }
  }
  if (out.std?.some((s) => s === 0)) throw new InputError(`${where}: std must not contain 0`);
  if (out.color !== undefined && !(COLOR_MODES as readonly string[]).includes(out.color))
    throw new InputError(`${where}: color must be ${orList(COLOR_MODES)} (got "${printable(String(out.color))}")`);
  if (out.invert !== undefined && typeof out.invert !== 'boolean') throw new InputError(`${where}: invert must be true or false`);
  // The defaults of the newer keys are left out, so that records of the usual preprocessing stay as they were.
  if (out.color === 'auto') delete out.color;
  if (out.invert === false) delete out.invert;
  return out;
}

/** Channel count and spatial size the model expects; throws if the input is not an image. */
export function imageInputShape(shape: (number | null)[], modelPath: string): { height: number | null; width: number | null; channels: number } {
  if (shape.length !== 4 || (shape[3] !== 1 && shape[3] !== 3)) {
    throw new InputError(
      `${modelPath}: the model's input has shape [${shape.map((d) => d ?? 'null').join(', ')}], not an image (expected [batch, height, width, 1 or 3])`,
    );
  }
  return { height: shape[1], width: shape[2], channels: shape[3] };
}

function computeGeometry(img: RgbImage, inputWidth: number, inputHeight: number, mode: ResizeMode): InputGeometry {
  const whole: Rect = { x: 0, y: 0, width: img.width, height: img.height };
  const full: Rect = { x: 0, y: 0, width: inputWidth, height: inputHeight };
  const base = { imageWidth: img.width, imageHeight: img.height, inputWidth, inputHeight, mode };
  if (mode === 'center-crop') {
    // The largest centred region with the input's aspect ratio.
    const s = Math.min(img.width / inputWidth, img.height / inputHeight);
    const width = Math.max(1, Math.round(inputWidth * s));
    const height = Math.max(1, Math.round(inputHeight * s));
    return { ...base, source: { x: Math.floor((img.width - width) / 2), y: Math.floor((img.height - height) / 2), width, height }, target: full };
  }
  if (mode === 'letterbox') {
    const s = Math.min(inputWidth / img.width, inputHeight / img.height);
    const width = Math.max(1, Math.round(img.width * s));
    const height = Math.max(1, Math.round(img.height * s));
    return { ...base, source: whole, target: { x: Math.floor((inputWidth - width) / 2), y: Math.floor((inputHeight - height) / 2), width, height } };
  }
  return { ...base, source: whole, target: full };
}

function resize(t: tf.Tensor3D | tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const t4 = (t.rank === 3 ? tf.expandDims(t, 0) : t) as tf.Tensor4D;
  if (t4.shape[1] === height && t4.shape[2] === width) return t4;
  return tf.image.resizeBilinear(t4, [height, width], false, true);
}

/** Scales an RGB (0..255) tensor per the spec and converts it to the model's channels. */
export function scalePixels(rgb: tf.Tensor4D, channels: number, spec: PreprocessSpec): tf.Tensor4D {
  return tf.tidy(() => {
    let x: tf.Tensor4D = rgb;
    if (spec.invert) x = tf.sub(255, x);
    if (channels === 1 || spec.color === 'gray') {
      // ITU-R 601 luma, as PIL's "L" mode; in every channel of a three-channel model.
      x = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), -1, true) as tf.Tensor4D;
      if (channels === 3) x = tf.tile(x, [1, 1, 1, 3]);
    } else if (spec.channelOrder === 'bgr') {
      x = tf.reverse(x, -1);
    }
    if (spec.scale === '0..1') x = tf.div(x, 255);
    else if (spec.scale === '-1..1') x = tf.sub(tf.div(x, 127.5), 1);
    if (spec.mean) x = tf.sub(x, tf.tensor1d(spec.mean.slice(0, channels)));
    if (spec.std) x = tf.div(x, tf.tensor1d(spec.std.slice(0, channels)));
    return x;
  });
}

/** The lowest and highest value each input channel can take under the spec (pixels 0 and 255 preprocessed): LRP's input bounds. */
export function pixelBounds(spec: PreprocessSpec, channels: number): { low: number[]; high: number[] } {
  const v = tf.tidy(() => Array.from(scalePixels(tf.tensor4d([0, 0, 0, 255, 255, 255], [1, 1, 2, 3]), channels, spec).dataSync()));
  const c = v.length / 2;
  const [a, b] = [v.slice(0, c), v.slice(c)];
  return { low: a.map((x, i) => Math.min(x, b[i])), high: a.map((x, i) => Math.max(x, b[i])) };
}

/** Image → model input [1, H, W, C] per the spec; free spatial dimensions take the image's own size. */
export function toModelInput(img: RgbImage, inputShape: (number | null)[], spec: PreprocessSpec, modelPath: string): ModelInput {
  const { height, width, channels } = imageInputShape(inputShape, modelPath);
  if (spec.color === 'rgb' && channels === 1)
    throw new InputError(`${modelPath}: color "rgb" needs a model with three input channels, and this one takes one (use auto or gray)`);
  const inputHeight = height ?? img.height;
  const inputWidth = width ?? img.width;
  const geometry = computeGeometry(img, inputWidth, inputHeight, height == null && width == null ? 'stretch' : spec.resize);
  const notes = inputNotes(img, geometry, channels, spec);
  const tensor = tf.tidy(() => {
    const pixels = tf.tensor3d(img.data, [img.height, img.width, 3]);
    const { source: s, target: t } = geometry;
    const region =
      s.x === 0 && s.y === 0 && s.width === img.width && s.height === img.height ? pixels : tf.slice(pixels, [s.y, s.x, 0], [s.height, s.width, 3]);
    let placed = resize(region as tf.Tensor3D, t.height, t.width);
    if (t.width !== inputWidth || t.height !== inputHeight) {
      placed = tf.pad(placed, [
        [0, 0],
        [t.y, inputHeight - t.height - t.y],
        [t.x, inputWidth - t.width - t.x],
        [0, 0],
      ]);
    }
    return scalePixels(placed, channels, spec);
  });
  return { tensor, geometry, notes };
}

function isGray(rgb: Float32Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  return true;
}

/** The notes of toModelInput: a stretch that changes the aspect ratio by more than 1 %, gray conversion, inversion. */
export function inputNotes(img: { width: number; height: number; data?: Float32Array }, g: InputGeometry, channels: number, spec: PreprocessSpec): string[] {
  const notes: string[] = [];
  const from = img.width / img.height;
  const to = g.target.width / g.target.height;
  if (g.mode === 'stretch' && Math.abs(to / from - 1) > 0.01)
    notes.push(
      `The ${img.width}×${img.height} image was stretched to ${g.inputWidth}×${g.inputHeight}, changing its aspect ratio from ${from.toFixed(2)} to ${to.toFixed(2)} (resize: center-crop or letterbox keep it).`,
    );
  // An image that is gray already (R = G = B everywhere) loses nothing.
  const colour = !img.data || !isGray(img.data);
  if (channels === 1 && colour) notes.push('The image was converted to gray: the model takes one channel.');
  else if (channels === 3 && spec.color === 'gray' && colour) notes.push('The image was converted to gray (color: gray).');
  if (spec.invert) notes.push('The image was inverted (255 − value) before scaling.');
  return notes;
}

/**
 * Bilinear resize of a one-channel map with half-pixel centres, the formula of TF.js's CPU
 * ResizeBilinear kernel (alignCorners false, halfPixelCenters true), in plain JavaScript: a map is
 * upsampled to a photo's size in milliseconds, without a 12-megapixel tensor.
 */
export function resizeMap(values: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  if (h === H && w === W) return Float32Array.from(values);
  const out = new Float32Array(H * W);
  const ry = h / H;
  const rx = w / W;
  const x0 = new Int32Array(W);
  const x1 = new Int32Array(W);
  const fx = new Float64Array(W);
  for (let x = 0; x < W; x++) {
    const src = rx * (x + 0.5) - 0.5;
    const lo = Math.max(0, Math.floor(src));
    x0[x] = lo;
    x1[x] = Math.min(w - 1, Math.ceil(src));
    fx[x] = src - lo;
  }
  for (let y = 0; y < H; y++) {
    const src = ry * (y + 0.5) - 0.5;
    const top = Math.max(0, Math.floor(src));
    const bottom = Math.min(h - 1, Math.ceil(src));
    const fy = src - top;
    const t = top * w;
    const b = bottom * w;
    const row = y * W;
    for (let x = 0; x < W; x++) {
      const tl = values[t + x0[x]];
      const tr = values[t + x1[x]];
      const bl = values[b + x0[x]];
      const br = values[b + x1[x]];
      const topV = tl + (tr - tl) * fx[x];
      const bottomV = bl + (br - bl) * fx[x];
      out[row + x] = topV + (bottomV - topV) * fy;
    }
  }
  return out;
}

/**
 * A map (h×w, row-major, at any resolution covering the whole model input) → the original image's
 * width and height: bilinear with half-pixel centres; for crop and letterbox, through the input frame.
 */
export function mapToImage(values: Float32Array, h: number, w: number, g: InputGeometry): Float32Array {
  if (g.mode === 'stretch') return resizeMap(values, h, w, g.imageHeight, g.imageWidth);
  const atInput = resizeMap(values, h, w, g.inputHeight, g.inputWidth);
  const { source: s, target: t } = g;
  const content = new Float32Array(t.width * t.height);
  for (let y = 0; y < t.height; y++) content.set(atInput.subarray((t.y + y) * g.inputWidth + t.x, (t.y + y) * g.inputWidth + t.x + t.width), y * t.width);
  const onImage = resizeMap(content, t.height, t.width, s.height, s.width);
  if (s.x === 0 && s.y === 0 && s.width === g.imageWidth && s.height === g.imageHeight) return onImage;
  const out = new Float32Array(g.imageWidth * g.imageHeight);
  for (let y = 0; y < s.height; y++) out.set(onImage.subarray(y * s.width, (y + 1) * s.width), (s.y + y) * g.imageWidth + s.x);
  return out;
}

/** An RGBA picture: what the panels draw. */
export interface RgbaPicture {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/**
 * A preprocessed input [1, H, W, C] as the model sees it, drawn in the frame of what the model
 * expects — `expected`, its own preprocessing (default: the one used): its mean and std undone and its
 * scale's range mapped to 0..255, clipped. Fed as expected, the picture is the image; fed 0..255 where
 * 0..1 is expected it turns white, divided by 255 twice it turns black. Back in RGB order.
 */
export function inputPicture(input: tf.Tensor4D, used: PreprocessSpec, expected: PreprocessSpec = used): RgbaPicture {
  const [, height, width, channels] = input.shape;
  const v = input.dataSync() as Float32Array;
  const [lo, hi] = expected.scale === '0..255' ? [0, 255] : expected.scale === '-1..1' ? [-1, 1] : [0, 1];
  const out = new Uint8ClampedArray(width * height * 4);
  // The channel order and count of the input as used; the mean and std of the frame.
  const bgr = used.channelOrder === 'bgr' && channels === 3;
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const k = channels === 1 ? 0 : bgr ? 2 - c : c;
      const mean = expected.mean?.[Math.min(k, expected.mean.length - 1)] ?? 0;
      const std = expected.std?.[Math.min(k, expected.std.length - 1)] ?? 1;
      out[p * 4 + c] = Math.round((255 * (v[p * channels + k] * std + mean - lo)) / (hi - lo));
    }
    out[p * 4 + 3] = 255;
  }
  return { width, height, rgba: out };
}
