/**
 * Named student architectures, built for a teacher's input size and classes: `mobilenetv2[:ALPHA]`
 * (mobilenet-v2.ts, logits) and `cnn[:WIDTH]` — three
 * conv → batch norm → ReLU blocks of 16, 32 and 64 channels times WIDTH (default 1), max-pooling between
 * them, global average pooling and a dense layer to logits (no softmax: the losses take logits).
 * Seeded: the same seed builds the same weights (each initialiser gets a seed of at least 1: TF.js takes a
 * seed of 0 as "no seed").
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors';
import { mobileNetV2Model } from './mobilenet-v2';

export const STUDENT_ARCHS = ['cnn', 'mobilenetv2'] as const;
export type StudentArch = (typeof STUDENT_ARCHS)[number];

export function parseArch(spec: string): { arch: StudentArch; width: number } | undefined {
  const m = /^([a-z0-9]+)(?::([0-9.]+))?$/.exec(spec);
  if (!m || !(STUDENT_ARCHS as readonly string[]).includes(m[1])) return undefined;
  const width = m[2] === undefined ? 1 : Number(m[2]);
  if (!(width > 0 && width <= 16)) throw new InputError(`--student ${spec}: the width must be a number in (0, 16]`);
  return { arch: m[1] as StudentArch, width };
}

export function buildStudent(spec: string, shape: [number, number, number], classes: number, seed: number): tfl.LayersModel {
  const a = parseArch(spec);
  if (!a) throw new InputError(`--student ${spec}: not a model file nor an architecture (${STUDENT_ARCHS.map((s) => `${s}[:WIDTH]`).join(', ')})`);
  if (a.arch === 'mobilenetv2') return mobileNetV2Model({ shape, classes, alpha: a.width, seed: seed + 1 });
  const input = tfl.input({ shape, name: 'image' });
  let x: tfl.SymbolicTensor = input;
  const widths = [16, 32, 64].map((c) => Math.max(1, Math.round(c * a.width)));
  widths.forEach((filters, i) => {
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({ seed: seed * 100 + i + 1 }),
        name: `conv${i + 1}`,
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ momentum: 0.9, name: `conv${i + 1}_bn` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `conv${i + 1}_relu` }).apply(x) as tfl.SymbolicTensor;
    if (i < widths.length - 1) x = tfl.layers.maxPooling2d({ poolSize: 2, name: `pool${i + 1}` }).apply(x) as tfl.SymbolicTensor;
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: classes, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 100 + 9 + 1 }), name: 'logits' })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: `student_cnn_${a.width}` });
}
