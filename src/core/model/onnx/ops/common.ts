// What every operator shares: the context it reads its attributes from, input checks, broadcasting, element-wise wrappers, limits.
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxAttribute, OnnxNode } from '../proto';
import { host, OpError, plain, tensor, type Value } from './value';

export interface OpContext {
  node: OnnxNode;
  opset: number;
  attr(name: string): OnnxAttribute | undefined;
  int(name: string, fallback: number): number;
  float(name: string, fallback: number): number;
  ints(name: string, fallback?: number[]): number[] | undefined;
  str(name: string, fallback: string): string;
  /** Weight caches (filters permuted once per node). */
  cache: Map<string, tf.Tensor>;
}

export type Op = (ctx: OpContext, inputs: (Value | undefined)[]) => Value[];

export const need = (v: Value | undefined, what: string): Value => {
  if (!v) throw new OpError(`needs its ${what} input`);
  return v;
};

/** Same ONNX broadcasting, with a channels-last operand: the other is brought to rank 4 and permuted. */
export function align(a: Value, b: Value): { a: tf.Tensor; b: tf.Tensor; nhwc: boolean } {
  const channelsLast = (a.kind === 'tensor' && a.nhwc) || (b.kind === 'tensor' && b.nhwc);
  if (!channelsLast) return { a: plain(a), b: plain(b), nhwc: false };
  const lift = (v: Value): tf.Tensor => {
    if (v.kind === 'tensor' && v.nhwc) return v.t;
    const t = plain(v);
    if (t.rank === 0) return t;
    if (t.rank > 4) throw new OpError(`cannot broadcast a rank-${t.rank} value with an image`);
    const four = tf.reshape(t, [...Array(4 - t.rank).fill(1), ...t.shape]);
    return tf.transpose(four, [0, 2, 3, 1]);
  };
  return { a: lift(a), b: lift(b), nhwc: true };
}

export function binary(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Op {
  return (_ctx, [x, y]) => {
    const a = need(x, 'first');
    const b = need(y, 'second');
    if (a.kind === 'host' && b.kind === 'host') {
      const r = fn(tf.tensor(a.data, a.dims), tf.tensor(b.data, b.dims));
      const data = Array.from(r.dataSync());
      const dims = r.shape;
      r.dispose();
      return [host(data, dims)];
    }
    const al = align(a, b);
    return [tensor(fn(al.a.dtype === 'int32' ? tf.cast(al.a, 'float32') : al.a, al.b.dtype === 'int32' ? tf.cast(al.b, 'float32') : al.b), al.nhwc)];
  };
}

export function unary(fn: (t: tf.Tensor, ctx: OpContext) => tf.Tensor): Op {
  return (ctx, [x]) => {
    const v = need(x, 'data');
    if (v.kind === 'host') return [tensor(fn(tf.cast(plain(v), 'float32'), ctx))];
    return [tensor(fn(v.t, ctx), v.nhwc)];
  };
}

/** Numbers from a file for a message: at most 8, then an ellipsis. */
export const shortList = (v: readonly number[]): string => (v.length > 8 ? `${v.slice(0, 8).join(', ')}, …` : v.join(', '));

/** Most values one intermediate tensor may hold (256 MB of floats: the wasm heap has 2 GB in all). */
export const MAX_ELEMENTS = 1 << 26;
/** Largest stride, dilation, kernel or pad taken from a file (real models use single digits). */
export const MAX_WINDOW_ATTR = 1 << 16;

export function hostFloat(v: Value): number[] {
  return v.kind === 'host' ? v.data : Array.from(v.t.dataSync());
}
