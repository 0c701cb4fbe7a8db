import { ModelType } from '../../src/core/model/onnx/proto';

/** A small ONNX model encoded as an exporter would (opset 13, one float input of `dims`, output "y"). */
export function encodeOnnx(node: object[], initializer: object[], dims: number[]): Uint8Array {
  return ModelType.encode(
    ModelType.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        node,
        initializer,
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    }),
  ).finish();
}
