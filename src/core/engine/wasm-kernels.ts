import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Conv2DBackpropFilter is composed from wasm kernels (below); for the rest:
 * the wasm backend lacks some kernels, gradients among them (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackprop{Input,Filter}, UnsortedSegmentSum, ...). For each kernel the cpu
 * backend has and wasm does not, register a wasm kernel that copies the inputs out of the wasm heap,
 * runs the cpu backend's own (tested) kernel on a private cpu backend instance, and copies the
 * result back. These kernels only run in backward passes, so the copies are cheap next to the rest.
 */
const NUMERIC: ReadonlySet<string> = new Set(['float32', 'int32', 'bool']);
let registered = false;

export function missingWasmKernels(): string[] {
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  return tf
    .getKernelsForBackend('cpu')
    .map((k) => k.kernelName)
    .filter((name) => !wasm.has(name));
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Runs another wasm kernel directly (no tape, no engine bookkeeping). */
function runWasm(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, backend: BackendWasm): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel ${name} is missing`);
  return kernel.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
}

/**
 * Conv2DBackpropFilter from wasm's own (XNNPACK) kernels, so that training on wasm is fast:
 * dW[a,b,i,o] = Σ_{n,y,x} x_pad[n, y·s + a·d, x·s + b·d, i] · dy[n, y, x, o] is a convolution of
 * x transposed to [Ci, H, W, N] with dy transposed to [Ho, Wo, N, Co], stride d and dilation s
 * swapped, then cropped to the filter size and transposed back.
 */
function conv2dBackpropFilter({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape, dilations } = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
    dilations?: [number, number] | number;
  };
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [kh, kw, ci, co] = filterShape;
  const p = info.padInfo;
  const temps: tf.TensorInfo[] = [];
  try {
    const xT = runWasm('Transpose', { x }, { perm: [3, 1, 2, 0] }, wasm);
    temps.push(xT);
    const dyT = runWasm('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }, wasm);
    temps.push(dyT);
    const conv = runWasm(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: [
          [0, 0],
          [p.top, p.bottom],
          [p.left, p.right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      } as unknown as tf.NamedAttrMap,
      wasm,
    );
    temps.push(conv);
    const cropped = runWasm('Slice', { x: conv }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] }, wasm);
    temps.push(cropped);
    return runWasm('Transpose', { x: cropped }, { perm: [1, 2, 0, 3] }, wasm);
  } finally {
    for (const t of temps) wasm.disposeData(t.dataId);
  }
}

/** Zeros inserted between rows and columns (stride s): [N, H, W, C] → [N, H·s, W·s, C]. */
function dilate(dy: tf.TensorInfo, sy: number, sx: number, wasm: BackendWasm, temps: tf.TensorInfo[]): tf.TensorInfo {
  if (sy === 1 && sx === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const r = runWasm('Reshape', { x: dy }, { shape: [n, h, 1, w, 1, c] }, wasm);
  temps.push(r);
  const p = runWasm(
    'PadV2',
    { x: r },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sy - 1],
        [0, 0],
        [0, sx - 1],
        [0, 0],
      ],
      constantValue: 0,
    } as unknown as tf.NamedAttrMap,
    wasm,
  );
  temps.push(p);
  const out = runWasm('Reshape', { x: p }, { shape: [n, h * sy, w * sx, c] }, wasm);
  temps.push(out);
  return out;
}

/**
 * Conv2DBackpropInput and DepthwiseConv2dNativeBackpropInput (channel multiplier 1) from wasm's
 * forward kernels (XNNPACK convolutions are several times faster than its backward ones): dx is the
 * (depthwise) correlation of dy — dilated by the stride — with the spatially flipped filter, at the
 * forward dilation, padded so that the output has the input's size. Other multipliers use the cpu bridge.
 */
function backpropInput(kind: 'depthwise' | 'conv', fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const wasm = backend as BackendWasm;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as {
      strides: [number, number] | number;
      dilations: [number, number] | number;
      pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    if ((kind === 'depthwise' && filter.shape[3] !== 1) || (attrs as { dataFormat?: string }).dataFormat === 'NCHW') return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      dilations ?? 1,
      pad,
      dimRoundingMode,
      kind === 'depthwise',
    );
    const temps: tf.TensorInfo[] = [];
    try {
      let grown = dilate(dy, info.strideHeight, info.strideWidth, wasm, temps);
      const axis = (k: number, d: number, padBefore: number, size: number, length: number) => {
        const before = (k - 1) * d - padBefore;
        return { before, after: size + (k - 1) * d - length - before };
      };
      const y = axis(info.filterHeight, info.dilationHeight, info.padInfo.top, info.inHeight, grown.shape[1]);
      const x = axis(info.filterWidth, info.dilationWidth, info.padInfo.left, info.inWidth, grown.shape[2]);
      if (y.before < 0 || y.after < 0 || x.before < 0 || x.after < 0) {
        // Crop where the padding would be negative.
        const top = Math.max(0, -y.before);
        const left = Math.max(0, -x.before);
        const height = grown.shape[1] - top - Math.max(0, -y.after);
        const width = grown.shape[2] - left - Math.max(0, -x.after);
        grown = runWasm('Slice', { x: grown }, { begin: [0, top, left, 0], size: [grown.shape[0], height, width, grown.shape[3]] }, wasm);
        temps.push(grown);
      }
      let flipped = runWasm('Reverse', { x: filter }, { dims: [0, 1] }, wasm);
      temps.push(flipped);
      if (kind === 'conv') {
        // [kh, kw, in, out] → [kh, kw, out, in]: the backward convolution maps dy's channels back to x's.
        flipped = runWasm('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }, wasm);
        temps.push(flipped);
      }
      const p = (v: number) => Math.max(0, v);
      return runWasm(
        kind === 'conv' ? 'Conv2D' : 'DepthwiseConv2dNative',
        { x: grown, filter: flipped },
        {
          strides: [1, 1],
          dilations: [info.dilationHeight, info.dilationWidth],
          pad: [
            [0, 0],
            [p(y.before), p(y.after)],
            [p(x.before), p(x.after)],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        } as unknown as tf.NamedAttrMap,
        wasm,
      );
    } finally {
      for (const t of temps) wasm.disposeData(t.dataId);
    }
  };
}

export function registerMissingWasmKernels(): string[] {
  if (registered) return [];
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter });
  }
  const nativeBackpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (nativeBackpropInput) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: backpropInput('conv', nativeBackpropInput.kernelFunc) });
  }
  const cpu = new MathBackendCPU();
  const added: string[] = ['Conv2DBackpropFilter'];
  for (const name of missingWasmKernels()) {
    const cpuKernel = tf.getKernel(name, 'cpu');
    if (!cpuKernel) continue;
    const bridged: tf.KernelFunc = ({ inputs, attrs, backend }) => {
      const wasm = backend as BackendWasm;
      const cpuInputs: Record<string, tf.TensorInfo> = {};
      const written: tf.DataId[] = [];
      try {
        for (const [key, info] of Object.entries(inputs)) {
          if (!info) continue;
          if (!NUMERIC.has(info.dtype)) throw new Error(`${name} on wasm: dtype ${info.dtype} is not supported`);
          const dataId = cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype);
          written.push(dataId);
          cpuInputs[key] = { dataId, shape: info.shape, dtype: info.dtype };
        }
        const out = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu });
        const outs = Array.isArray(out) ? out : [out];
        const copied = outs.map((o) => {
          const values = cpu.readSync(o.dataId);
          cpu.disposeData(o.dataId, true);
          return wasm.makeOutput(o.shape, o.dtype, undefined, values);
        });
        return Array.isArray(out) ? copied : copied[0];
      } finally {
        for (const id of written) cpu.disposeData(id, true);
      }
    };
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: name === 'DepthwiseConv2dNativeBackpropInput' ? backpropInput('depthwise', bridged) : bridged,
    });
    added.push(name);
  }
  return added;
}
