/**
 * The one onnx.proto schema of the project, for protobufjs: the fields the inspector's reader
 * decodes (`onnx.ts` walks the outer messages on the wire and hands only small ones, never a
 * tensor's blobs, to these types), what `model/graph-surgery.ts` appends to a graph (nodes with
 * attributes and constant tensors, output value infos), and what tests need to build whole
 * models (ModelProto, GraphProto, initializers with raw data). Field numbers are onnx.proto's.
 */
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
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
            type: { type: 'int32', id: 20 },
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
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        TensorTypeProto: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TypeProto: { fields: { tensorType: { type: 'TensorTypeProto', id: 1 } } },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
      },
    },
  },
});

export const OnnxProto = {
  OperatorSetIdProto: root.lookupType('onnx.OperatorSetIdProto'),
  ModelProto: root.lookupType('onnx.ModelProto'),
  GraphProto: root.lookupType('onnx.GraphProto'),
  NodeProto: root.lookupType('onnx.NodeProto'),
  ValueInfoProto: root.lookupType('onnx.ValueInfoProto'),
  TensorProto: root.lookupType('onnx.TensorProto'),
};

/** onnx.proto TensorProto.DataType values used here. */
export const OnnxType = { FLOAT: 1, INT64: 7, FLOAT16: 10, BFLOAT16: 16 } as const;
/** onnx.proto AttributeProto.AttributeType values used here. */
export const OnnxAttr = { FLOAT: 1, INT: 2, TENSOR: 4, INTS: 7 } as const;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Record<string, number | number[] | { tensor: TensorSpec }>;
}

export interface TensorSpec {
  dims: number[];
  type: number;
  /** Little-endian element bytes. */
  raw: Uint8Array;
  name?: string;
}

/** An int64 tensor from plain numbers or bigints. */
export function int64Tensor(values: Array<number | bigint>, dims = [values.length], name?: string): TensorSpec {
  const buf = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => buf.writeBigInt64LE(BigInt(v), 8 * i));
  return { dims, type: OnnxType.INT64, raw: buf, name };
}

/** A float32 tensor. */
export function floatTensor(values: ArrayLike<number>, dims = [values.length], name?: string): TensorSpec {
  const f = Float32Array.from(values as ArrayLike<number>);
  return { dims, type: OnnxType.FLOAT, raw: new Uint8Array(f.buffer, f.byteOffset, f.byteLength), name };
}

export function tensorMessage(t: TensorSpec): Record<string, unknown> {
  return { dims: t.dims, dataType: t.type, rawData: t.raw, ...(t.name ? { name: t.name } : {}) };
}

/** A NodeProto message object (for OnnxEncode.NodeProto / GraphProto). */
export function nodeMessage(n: NodeSpec): Record<string, unknown> {
  const attribute = Object.entries(n.attrs ?? {}).map(([name, v]) => {
    if (typeof v === 'number')
      return Number.isInteger(v) ? { name, type: OnnxAttr.INT, i: v } : { name, type: OnnxAttr.FLOAT, f: v };
    if (Array.isArray(v)) return { name, type: OnnxAttr.INTS, ints: v };
    return { name, type: OnnxAttr.TENSOR, t: tensorMessage(v.tensor) };
  });
  return { input: n.inputs, output: n.outputs, name: n.name, opType: n.op, attribute };
}

/** A ValueInfoProto message object for a tensor; dims are numbers or symbolic names. */
export function valueInfoMessage(
  name: string,
  elemType: number,
  dims?: Array<number | string>,
): Record<string, unknown> {
  const shape = dims
    ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
    : undefined;
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}
