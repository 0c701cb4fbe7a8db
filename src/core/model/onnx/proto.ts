import * as protobuf from 'protobufjs/light';
import { printable } from '../../io/files';

/**
 * The parts of onnx.proto (ONNX IR, github.com/onnx/onnx/blob/main/onnx/onnx.proto) a model needs:
 * the graph, its nodes and attributes, initializers (raw or typed data, external data) and value
 * infos. Unlisted fields are skipped by the decoder.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    ModelProto: {
      fields: {
        irVersion: { type: 'int64', id: 1 },
        producerName: { type: 'string', id: 2 },
        producerVersion: { type: 'string', id: 3 },
        graph: { type: 'GraphProto', id: 7 },
        opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
      },
    },
    OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
    GraphProto: {
      fields: {
        node: { rule: 'repeated', type: 'NodeProto', id: 1 },
        name: { type: 'string', id: 2 },
        initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
        input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
        output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
        valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
      },
    },
    NodeProto: {
      fields: {
        input: { rule: 'repeated', type: 'string', id: 1 },
        output: { rule: 'repeated', type: 'string', id: 2 },
        name: { type: 'string', id: 3 },
        opType: { type: 'string', id: 4 },
        attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
        domain: { type: 'string', id: 7 },
      },
    },
    AttributeProto: {
      fields: {
        name: { type: 'string', id: 1 },
        f: { type: 'float', id: 2 },
        i: { type: 'int64', id: 3 },
        s: { type: 'bytes', id: 4 },
        t: { type: 'TensorProto', id: 5 },
        floats: { rule: 'repeated', type: 'float', id: 7 },
        ints: { rule: 'repeated', type: 'int64', id: 8 },
        strings: { rule: 'repeated', type: 'bytes', id: 9 },
        type: { type: 'int32', id: 20 },
      },
    },
    TensorProto: {
      fields: {
        dims: { rule: 'repeated', type: 'int64', id: 1 },
        dataType: { type: 'int32', id: 2 },
        floatData: { rule: 'repeated', type: 'float', id: 4 },
        int32Data: { rule: 'repeated', type: 'int32', id: 5 },
        int64Data: { rule: 'repeated', type: 'int64', id: 7 },
        name: { type: 'string', id: 8 },
        rawData: { type: 'bytes', id: 9 },
        doubleData: { rule: 'repeated', type: 'double', id: 10 },
        externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
        dataLocation: { type: 'int32', id: 14 },
      },
    },
    StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
    TypeProto: { fields: { tensorType: { type: 'TensorTypeProto', id: 1 } } },
    TensorTypeProto: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
    TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
    Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
  },
});

/** The ModelProto type (decoding here; tests encode hand-made models with it). */
export const ModelType = root.lookupType('ModelProto');

type Long = number | { toNumber(): number };
const num = (v: Long | undefined | null): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

/** ONNX TensorProto.DataType values Model Lens reads. */
export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ONNX_INT8 = 3;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export const ONNX_BOOL = 9;
export const ONNX_FLOAT16 = 10;
export const ONNX_DOUBLE = 11;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Float types as Float32Array; integer types as plain numbers. */
  data: Float32Array | number[];
}

export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** null for a symbolic or unknown dimension; undefined shape when none is given. */
  shape?: (number | null)[];
}

export interface OnnxModel {
  producer: string;
  opset: number;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: Map<string, OnnxValueInfo>;
}

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes a tensor's data; `external` reads the bytes of external data (path, offset, length). */
export function tensorData(
  t: {
    dims?: Long[];
    dataType?: number;
    name?: string;
    rawData?: Uint8Array;
    floatData?: number[];
    int32Data?: number[];
    int64Data?: Long[];
    doubleData?: number[];
    externalData?: { key?: string; value?: string }[];
    dataLocation?: number;
  },
  external: (location: string, offset: number, length: number | undefined, tensor: string) => Uint8Array,
): OnnxTensor {
  const dims = (t.dims ?? []).map(num);
  const name = t.name ?? '';
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new Error(`tensor "${printable(name)}" has an invalid shape [${dims.join(', ')}] (sizes must be whole numbers ≥ 0)`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > 2 ** 31) throw new Error(`tensor "${printable(name)}" declares ${dims.join('×')} values, more than Model Lens reads`);
  const type = t.dataType ?? 0;
  let raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (t.dataLocation === 1) {
    const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    if (!location) throw new Error(`tensor "${printable(name)}" is stored outside the model but names no file`);
    raw = external(location, Number(kv.get('offset') ?? 0), kv.has('length') ? Number(kv.get('length')) : undefined, name);
  }
  const isFloat = type === ONNX_FLOAT || type === ONNX_FLOAT16 || type === ONNX_DOUBLE;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size = { [ONNX_FLOAT]: 4, [ONNX_FLOAT16]: 2, [ONNX_DOUBLE]: 8, [ONNX_INT64]: 8, [ONNX_INT32]: 4, [ONNX_UINT8]: 1, [ONNX_INT8]: 1, [ONNX_BOOL]: 1 }[
      type
    ];
    if (size === undefined) throw new Error(`tensor "${printable(name)}" has data type ${type}, which Model Lens does not read`);
    if (raw.byteLength !== count * size)
      throw new Error(`tensor "${printable(name)}" holds ${raw.byteLength} bytes, but its shape [${dims.join(', ')}] needs ${count * size}`);
    const read = (i: number): number => {
      switch (type) {
        case ONNX_FLOAT:
          return view.getFloat32(i * 4, true);
        case ONNX_FLOAT16:
          return halfToFloat(view.getUint16(i * 2, true));
        case ONNX_DOUBLE:
          return view.getFloat64(i * 8, true);
        case ONNX_INT64:
          return Number(view.getBigInt64(i * 8, true));
        case ONNX_INT32:
          return view.getInt32(i * 4, true);
        case ONNX_INT8:
          return view.getInt8(i);
        default:
          return view.getUint8(i);
      }
    };
    if (isFloat) {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = read(i);
      return { name, dims, dataType: type, data: out };
    }
    return { name, dims, dataType: type, data: Array.from({ length: count }, (_, i) => read(i)) };
  }
  let values: number[];
  if (type === ONNX_FLOAT) values = t.floatData ?? [];
  else if (type === ONNX_DOUBLE) values = t.doubleData ?? [];
  else if (type === ONNX_FLOAT16) values = (t.int32Data ?? []).map(halfToFloat);
  else if (type === ONNX_INT64) values = (t.int64Data ?? []).map(num);
  else values = t.int32Data ?? [];
  if (values.length !== count) throw new Error(`tensor "${printable(name)}" holds ${values.length} values, but its shape [${dims.join(', ')}] needs ${count}`);
  return { name, dims, dataType: type, data: isFloat ? Float32Array.from(values) : values };
}

/** Decodes an .onnx file's bytes. Throws on bytes that are not an ONNX model. */
export function decodeOnnx(
  bytes: Uint8Array,
  external: (location: string, offset: number, length: number | undefined, tensor: string) => Uint8Array,
): OnnxModel {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const m = ModelType.decode(bytes) as any;
  const g = m.graph;
  if (!g || !Array.isArray(g.node) || g.node.length === 0) throw new Error('it holds no graph');
  const opset = Math.max(
    0,
    ...(m.opsetImport ?? []).filter((o: { domain?: string }) => !o.domain || o.domain === 'ai.onnx').map((o: { version?: Long }) => num(o.version)),
  );
  const info = (v: {
    name?: string;
    type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: Long; dimParam?: string }[] } } };
  }): OnnxValueInfo => {
    const tt = v.type?.tensorType;
    return {
      name: v.name ?? '',
      elemType: tt?.elemType ?? 0,
      shape: tt?.shape ? (tt.shape.dim ?? []).map((d) => (d.dimValue != null && num(d.dimValue) > 0 ? num(d.dimValue) : null)) : undefined,
    };
  };
  const initializers = new Map<string, OnnxTensor>();
  for (const t of g.initializer ?? []) initializers.set(t.name, tensorData(t, external));
  const nodes: OnnxNode[] = (g.node ?? []).map(
    (n: {
      name?: string;
      opType?: string;
      domain?: string;
      input?: string[];
      output?: string[];
      attribute?: { name?: string; f?: number; i?: Long; s?: Uint8Array; t?: object; floats?: number[]; ints?: Long[]; type?: number }[];
    }) => ({
      name: n.name ?? '',
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attrs: new Map(
        (n.attribute ?? []).map((a) => [
          a.name ?? '',
          {
            name: a.name ?? '',
            f: a.f,
            i: a.i == null ? undefined : num(a.i),
            s: a.s && a.s.length ? new TextDecoder().decode(a.s) : undefined,
            t: a.t ? tensorData(a.t as never, external) : undefined,
            floats: a.floats,
            ints: a.ints?.map(num),
          },
        ]),
      ),
    }),
  );
  nodes.forEach((n, k) => {
    if (!n.opType) throw new Error(`node ${k} ("${printable(n.name)}") has no operator type`);
    if (n.outputs.length === 0 || n.outputs.some((o) => !o)) throw new Error(`node ${k} ("${printable(n.name)}", ${printable(n.opType)}) has no output name`);
  });
  return {
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
    opset,
    nodes,
    initializers,
    inputs: (g.input ?? []).map(info).filter((v: OnnxValueInfo) => !initializers.has(v.name)),
    outputs: (g.output ?? []).map(info),
    valueInfo: new Map((g.valueInfo ?? []).map((v: never) => [info(v).name, info(v)])),
  };
}
