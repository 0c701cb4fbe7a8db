// The value layout: how ONNX values live in the translated graph (tensors channels-last or not, small integers on the host).
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxTensor } from '../proto';
import { ONNX_BOOL, ONNX_DOUBLE, ONNX_FLOAT, ONNX_FLOAT16 } from '../proto';

/**
 * A value flowing through the translated graph. Images (4-D, NCHW in ONNX) are kept channels-last
 * (`nhwc`), which the wasm backend's kernels need; everything else keeps ONNX's layout. Small
 * integer tensors (shapes, axes, indices) live in JavaScript (`host`), so shape arithmetic such as
 * Shape → Gather → Unsqueeze → Concat → Reshape costs nothing and works with a free batch size.
 */
export type Value = { kind: 'tensor'; t: tf.Tensor; nhwc: boolean } | { kind: 'host'; data: number[]; dims: number[] };

/** A tensor value; only a 4-D tensor can be channels-last (an op that changed the rank drops the flag). */
export const tensor = (t: tf.Tensor, nhwc = false): Value => ({ kind: 'tensor', t, nhwc: nhwc && t.rank === 4 });
export const host = (data: number[], dims: number[] = [data.length]): Value => ({ kind: 'host', data, dims });

export function fromOnnxTensor(t: OnnxTensor): Value {
  const isFloat = t.dataType === ONNX_FLOAT || t.dataType === ONNX_FLOAT16 || t.dataType === ONNX_DOUBLE;
  if (isFloat) return tensor(tf.tensor(t.data as Float32Array, t.dims, 'float32'));
  if (t.dataType === ONNX_BOOL) return tensor(tf.tensor(t.data as number[], t.dims, 'bool'));
  return host(t.data as number[], t.dims);
}

/** The ONNX shape of a value (NCHW for channels-last images). */
export function shapeOf(v: Value): number[] {
  if (v.kind === 'host') return v.dims;
  const s = v.t.shape as number[];
  return v.nhwc ? [s[0], s[3], s[1], s[2]] : s;
}

export const INT32_MAX = 2 ** 31 - 1;
export const toInt32 = (d: number[]): number[] => d.map((v) => Math.max(-INT32_MAX - 1, Math.min(INT32_MAX, v)));

/** The value as a tensor in ONNX's layout (host integers as int32, sentinels such as INT64_MAX clamped). */
export function plain(v: Value): tf.Tensor {
  if (v.kind === 'host') return tf.tensor(toInt32(v.data), v.dims, 'int32');
  return v.nhwc ? tf.transpose(v.t, [0, 3, 1, 2]) : v.t;
}

/** A 4-D value channels-last. */
export function nhwc(v: Value): tf.Tensor4D {
  if (v.kind === 'tensor' && v.nhwc && v.t.rank === 4) return v.t as tf.Tensor4D;
  const t = plain(v);
  if (t.rank !== 4) throw new OpError(`expects a 4-D input (N, C, H, W), got shape [${t.shape.join(', ')}]`);
  return tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
}

/** The value as JavaScript numbers (shapes, axes, indices). */
export function hostData(v: Value): number[] {
  if (v.kind === 'host') return v.data;
  // Shapes, axes, pads and indices are short: a huge one is a damaged file (and a JavaScript array that size kills the process).
  if (v.t.size > 1 << 20) throw new OpError(`reads ${v.t.size} values as a shape or index list`);
  return Array.from(plain(v).dataSync());
}

export class OpError extends Error {}

/** Computes on a host value with tensor operations and brings the (integer) result back to the host. */
export function onHost(v: Value & { kind: 'host' }, fn: (t: tf.Tensor) => tf.Tensor): Value {
  return tf.tidy(() => {
    const r = fn(plain(v));
    return host(Array.from(r.dataSync()), r.shape as number[]);
  });
}

/** Where ONNX axis a (of a 4-D NCHW value) sits in channels-last storage. */
export const NHWC_AXIS = [0, 3, 1, 2];
/** An ONNX axis as a non-negative index; an axis outside [-rank, rank] is refused (it would index far past the shape). */
export const normAxis = (a: number, rank: number): number => {
  if (!Number.isSafeInteger(a) || a < -rank || a > rank) throw new OpError(`axis ${a} is out of range for a rank-${rank} input`);
  return a < 0 ? a + rank : a;
};
