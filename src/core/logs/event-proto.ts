import * as protobuf from 'protobufjs/light';

/**
 * The parts of TensorFlow's `Event` proto that carry scalars (tensorflow/core/util/event.proto,
 * summary.proto, tensor.proto); every other field is skipped by the decoder unread.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    Event: {
      fields: {
        wallTime: { type: 'double', id: 1 },
        step: { type: 'int64', id: 2 },
        fileVersion: { type: 'string', id: 3 },
        summary: { type: 'Summary', id: 5 },
      },
    },
    Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
    Value: {
      fields: {
        tag: { type: 'string', id: 1 },
        simpleValue: { type: 'float', id: 2 },
        tensor: { type: 'TensorProto', id: 8 },
        metadata: { type: 'SummaryMetadata', id: 9 },
      },
      oneofs: { value: { oneof: ['simpleValue', 'tensor'] } },
    },
    SummaryMetadata: { fields: { pluginData: { type: 'PluginData', id: 1 } } },
    PluginData: { fields: { pluginName: { type: 'string', id: 1 } } },
    TensorProto: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        tensorShape: { type: 'TensorShapeProto', id: 2 },
        tensorContent: { type: 'bytes', id: 4 },
        floatVal: { rule: 'repeated', type: 'float', id: 5 },
        doubleVal: { rule: 'repeated', type: 'double', id: 6 },
      },
    },
    TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 } } },
    Dim: { fields: { size: { type: 'int64', id: 1 } } },
  },
});

export const EventType = root.lookupType('Event');

/** TensorFlow DataType enum values used by scalar summaries. */
export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;

export interface TensorProtoLike {
  dtype?: number;
  tensorShape?: { dim?: { size?: number | { toNumber(): number } }[] };
  tensorContent?: Uint8Array;
  floatVal?: number[];
  doubleVal?: number[];
}
export interface ValueLike {
  tag?: string;
  simpleValue?: number;
  value?: 'simpleValue' | 'tensor';
  tensor?: TensorProtoLike;
  metadata?: { pluginData?: { pluginName?: string } };
}
export interface EventLike {
  wallTime?: number;
  step?: number | { toNumber(): number };
  fileVersion?: string;
  summary?: { value?: ValueLike[] };
}

export const toNumber = (v: number | { toNumber(): number } | undefined): number => (v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

/**
 * The scalar a summary value holds, or undefined when it holds something else (an image, a
 * histogram, text, a tensor of more than one element). The four encodings: simple_value;
 * tensor float_val; tensor double_val; rank-0 tensor_content bytes of dtype float32 or float64.
 */
export function scalarOf(v: ValueLike): number | undefined {
  if (v.value === 'simpleValue') return v.simpleValue;
  const t = v.tensor;
  if (!t) return undefined;
  let elements = 1;
  for (const d of t.tensorShape?.dim ?? []) elements *= toNumber(d.size);
  if (elements !== 1) return undefined;
  if (t.floatVal?.length === 1 && (t.dtype ?? DT_FLOAT) === DT_FLOAT) return t.floatVal[0];
  if (t.doubleVal?.length === 1 && t.dtype === DT_DOUBLE) return t.doubleVal[0];
  const c = t.tensorContent;
  if (c && c.length > 0) {
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    if (t.dtype === DT_FLOAT && c.length === 4) return view.getFloat32(0, true);
    if (t.dtype === DT_DOUBLE && c.length === 8) return view.getFloat64(0, true);
  }
  return undefined;
}
