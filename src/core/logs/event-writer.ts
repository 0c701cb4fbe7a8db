import { appendFileSync, writeFileSync } from 'node:fs';
import { DT_DOUBLE, DT_FLOAT, EventType } from './event-proto';
import { frameRecord } from './tfrecord';

/** How a scalar is stored in an event (the four encodings TensorBoard readers meet). */
export type ScalarEncoding = 'simple_value' | 'float_val' | 'double_val' | 'tensor_content';

/** One `Event` record holding scalars, framed. `tensor_content` uses float64 when `float64` is set. */
export function scalarEventRecord(
  step: number,
  wallTime: number,
  values: Record<string, number>,
  encoding: ScalarEncoding = 'simple_value',
  float64 = false,
): Uint8Array {
  const value = Object.entries(values).map(([tag, v]) => {
    if (encoding === 'simple_value') return { tag, simpleValue: v };
    if (encoding === 'float_val') return { tag, tensor: { dtype: DT_FLOAT, tensorShape: {}, floatVal: [v] } };
    if (encoding === 'double_val') return { tag, tensor: { dtype: DT_DOUBLE, tensorShape: {}, doubleVal: [v] } };
    const bytes = new Uint8Array(float64 ? 8 : 4);
    const view = new DataView(bytes.buffer);
    if (float64) view.setFloat64(0, v, true);
    else view.setFloat32(0, v, true);
    return {
      tag,
      tensor: { dtype: float64 ? DT_DOUBLE : DT_FLOAT, tensorShape: {}, tensorContent: bytes },
      metadata: { pluginData: { pluginName: 'scalars' } },
    };
  });
  return frameRecord(EventType.encode(EventType.fromObject({ wallTime, step, summary: { value } })).finish());
}

export function fileVersionRecord(wallTime: number): Uint8Array {
  return frameRecord(EventType.encode(EventType.fromObject({ wallTime, fileVersion: 'brain.Event:2' })).finish());
}

/**
 * Writes a TensorBoard event file (used by the trainer, the live demo, tests and benchmarks):
 * the version record first, then one record per `add` call, appended and flushed at once.
 */
export class EventFileWriter {
  constructor(
    readonly path: string,
    private readonly encoding: ScalarEncoding = 'simple_value',
  ) {
    writeFileSync(path, fileVersionRecord(Date.now() / 1000));
  }

  add(step: number, values: Record<string, number>, wallTime = Date.now() / 1000): void {
    appendFileSync(this.path, scalarEventRecord(step, wallTime, values, this.encoding));
  }
}
