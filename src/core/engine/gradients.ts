import * as tf from '@tensorflow/tfjs-core';

let original: tf.GradConfig | undefined;

/**
 * TensorFlow.js's FusedBatchNorm gradient tiles the per-channel factor to the full input shape and
 * computes (x − mean) and dy·scale eagerly even when only ∂/∂x is needed; on a MobileNetV2 input
 * gradient that Tile alone was 40 % of the time. This one broadcasts and computes each part only
 * when asked (the tape asks only for inputs that lie on the path). Same values; other ranks of
 * mean keep the original.
 */
function batchNormGradient(): tf.GradConfig {
  return {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      if (mean.rank !== 1) return original!.gradFunc(dy, saved, attrs);
      const d = dy as tf.Tensor;
      const eps = (attrs as { varianceEpsilon: number }).varianceEpsilon;
      const axes = x.shape.map((_, i) => i).slice(0, -1);
      const rsqrt = () => tf.rsqrt(tf.add(variance, eps));
      const scaleOr1 = () => (scale == null ? tf.scalar(1) : scale);
      return {
        x: () => tf.mul(d, tf.mul(rsqrt(), scaleOr1())),
        mean: () => tf.reshape(tf.mul(tf.neg(tf.mul(rsqrt(), scaleOr1())), tf.sum(d, axes)), mean.shape),
        variance: () => {
          const r = rsqrt();
          const minusHalfRCube = tf.mul(tf.mul(tf.mul(r, r), r), -0.5);
          return tf.reshape(tf.mul(tf.mul(minusHalfRCube, scaleOr1()), tf.sum(tf.mul(d, tf.sub(x, mean)), axes)), mean.shape);
        },
        scale: () => tf.reshape(tf.mul(rsqrt(), tf.sum(tf.mul(d, tf.sub(x, mean)), axes)), mean.shape),
        offset: () => tf.reshape(tf.sum(d, axes), mean.shape),
      };
    },
  };
}

let originalConv: tf.GradConfig | undefined;

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat: string;
  dilations: number | [number, number];
  dimRoundingMode?: string;
};
const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * TensorFlow.js has no gradient for a dilated (atrous) Conv2D ("dilation rates greater than 1 are
 * not yet supported in gradients"), so saliency, Integrated Gradients and Grad-CAM below such a layer
 * failed on DeepLab-style models. A dilated convolution with stride 1 is a plain one on the input
 * split into d×d interleaved sub-images (TensorFlow's own atrous_conv2d):
 *   conv_d(x, w) = BatchToSpace(conv(SpaceToBatch(x, d, pads), w), d, crops),
 * so its gradient is the transpose of each linear step: SpaceToBatch of dy, the ordinary input and
 * filter gradients on the sub-images, BatchToSpace back. Undilated or strided convolutions keep
 * TensorFlow.js's gradient.
 */
function conv2dGradient(): tf.GradConfig {
  return {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as ConvAttrs;
      const [dh, dw] = pair(a.dilations);
      const [sh, sw] = pair(a.strides);
      if ((dh === 1 && dw === 1) || sh !== 1 || sw !== 1 || a.dataFormat !== 'NHWC' || typeof a.pad === 'number')
        return originalConv!.gradFunc(dy, saved, attrs);
      const [x, w] = saved as [tf.Tensor4D, tf.Tensor4D];
      const [kH, kW] = w.shape;
      // 'same': the explicit padding TensorFlow uses for stride 1 (the extra row or column at the end).
      const [pt, pb] = a.pad === 'same' ? [Math.floor((dh * (kH - 1)) / 2), Math.ceil((dh * (kH - 1)) / 2)] : [0, 0];
      const [pl, pr] = a.pad === 'same' ? [Math.floor((dw * (kW - 1)) / 2), Math.ceil((dw * (kW - 1)) / 2)] : [0, 0];
      const H = x.shape[1] + pt + pb;
      const W = x.shape[2] + pl + pr;
      const extra: [[number, number], [number, number]] = [
        [0, (dh - (H % dh)) % dh],
        [0, (dw - (W % dw)) % dw],
      ];
      const subImages = (): tf.Tensor4D =>
        tf.spaceToBatchND(
          pt || pb || pl || pr
            ? tf.pad(x, [
                [0, 0],
                [pt, pb],
                [pl, pr],
                [0, 0],
              ])
            : x,
          [dh, dw],
          extra,
        ) as tf.Tensor4D;
      const dySub = (): tf.Tensor4D => tf.spaceToBatchND(dy as tf.Tensor4D, [dh, dw], extra) as tf.Tensor4D;
      return {
        x: () => {
          const g = dySub();
          const xs = subImages();
          const dxs = tf.conv2dTranspose(g, w, xs.shape, 1, 'valid');
          const dxPadded = tf.batchToSpaceND(dxs, [dh, dw], extra) as tf.Tensor4D;
          return pt || pb || pl || pr ? tf.slice(dxPadded, [0, pt, pl, 0], x.shape) : dxPadded;
        },
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x: subImages(), dy: dySub() }, {
            strides: [1, 1],
            pad: 'valid',
            dataFormat: 'NHWC',
            dimRoundingMode: undefined,
            filterShape: w.shape,
          } as never) as tf.Tensor4D,
      };
    },
  };
}

let originalClip: tf.GradConfig | undefined;

/**
 * TensorFlow.js's ClipByValue gradient — ReLU6 in every MobileNet, as ONNX's Clip(0, 6) and Keras's
 * ReLU(max_value=6) — is where(x ≥ lo ∧ x ≤ hi, dy, 0): GreaterEqual, LessEqual, LogicalAnd, ZerosLike
 * and Select, five passes over the activation, 43 % of the kernel time of a MobileNetV2 input gradient
 * on wasm (npm run bench -- --profile). The output y = clip(x) is saved as well, and lo ≤ x ≤ hi is
 * exactly x = y, so the gradient is dy·(1 − Step(|x − y|)) in cheap arithmetic kernels: the same
 * values for every finite or infinite x (a NaN x gives NaN where TensorFlow.js gives 0; the score is
 * NaN then anyway).
 */
function clipGradient(): tf.GradConfig {
  return {
    kernelName: 'ClipByValue',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [x, y] = saved;
      // 1[x = y] = 1 − Step(|x − y|): wasm's comparisons run far slower than its arithmetic (Equal alone took 9 ms on a 10×112×112×96 batch, Step 0.6 ms).
      return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.step(tf.abs(tf.sub(x, y))))) };
    },
  };
}

/** Installs the faster (and the missing) gradients once; `restoreGradients` (tests) puts TensorFlow.js's back. */
export function installGradients(): void {
  if (original) return;
  original = tf.getGradient('FusedBatchNorm');
  if (original) tf.registerGradient(batchNormGradient());
  originalConv = tf.getGradient('Conv2D');
  if (originalConv) tf.registerGradient(conv2dGradient());
  originalClip = tf.getGradient('ClipByValue');
  if (originalClip) tf.registerGradient(clipGradient());
}

export function restoreGradients(): void {
  if (original) tf.registerGradient(original);
  if (originalConv) tf.registerGradient(originalConv);
  if (originalClip) tf.registerGradient(originalClip);
  original = undefined;
  originalConv = undefined;
  originalClip = undefined;
}
