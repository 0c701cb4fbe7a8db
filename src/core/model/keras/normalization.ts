/**
 * Keras's `Normalization` preprocessing layer, which TensorFlow.js does not have: y = (x − mean) /
 * √variance per channel (or the inverse with `invert`), the mean and variance given in its config or
 * held as weights (`mean`, `variance`, `count`, as Keras saves an adapted layer). Registered with
 * TensorFlow.js's layer serialization, so that Keras files and layers models holding one load.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Values = number | number[] | null | undefined;
export interface NormalizationConfig {
  name?: string;
  axis?: number | number[] | null;
  mean?: Values;
  variance?: Values;
  invert?: boolean;
  inputShape?: number[];
  batchInputShape?: (number | null)[];
}

const EPSILON = 1e-7;

export class Normalization extends tfl.layers.Layer {
  static readonly className = 'Normalization';
  private readonly fixedMean: Values;
  private readonly fixedVariance: Values;
  private readonly invert: boolean;
  private readonly axis: number | number[] | null;
  private meanWeight?: tfl.LayerVariable;
  private varianceWeight?: tfl.LayerVariable;

  constructor(config: NormalizationConfig) {
    super(config as never);
    this.fixedMean = config.mean ?? undefined;
    this.fixedVariance = config.variance ?? undefined;
    this.invert = !!config.invert;
    this.axis = config.axis ?? -1;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const channels = shape[shape.length - 1] ?? 1;
    if (this.fixedMean == null) {
      this.meanWeight = this.addWeight('mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
      this.varianceWeight = this.addWeight('variance', [channels], 'float32', tfl.initializers.ones(), undefined, false);
      this.addWeight('count', [], 'int32', tfl.initializers.zeros(), undefined, false);
    }
    this.built = true;
  }

  /** The per-channel mean (the config's, else the weight's). */
  meanValues(): number[] {
    if (this.fixedMean != null) return ([] as number[]).concat(this.fixedMean);
    return this.meanWeight ? Array.from(this.meanWeight.read().dataSync()) : [];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const mean = this.fixedMean != null ? tf.tensor(this.fixedMean as number | number[]) : this.meanWeight!.read();
      const variance = this.fixedVariance != null ? tf.tensor(this.fixedVariance as number | number[]) : this.varianceWeight!.read();
      const std = tf.sqrt(tf.maximum(variance, EPSILON));
      return this.invert ? tf.add(tf.mul(x, std), mean) : tf.div(tf.sub(x, mean), std);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis, mean: this.fixedMean ?? null, variance: this.fixedVariance ?? null, invert: this.invert } as never;
  }
}

tf.serialization.registerClass(Normalization);
