// The ONNX protobuf messages (onnx-proto: protobufjs code generated from onnx.proto, ONNX 1.10, IR version 8).
import onnxProto from 'onnx-proto';
import type {onnx as OnnxTypes} from 'onnx-proto';
import {PACKAGE_VERSION} from './version.js';

export type {OnnxTypes};

/** The `onnx` namespace of onnx-proto (ModelProto, GraphProto, NodeProto, TensorProto, ...): a CommonJS module. */
export const onnx: typeof OnnxTypes = (onnxProto as unknown as {onnx: typeof OnnxTypes}).onnx;

/** ONNX IR version written (8 = ONNX 1.10-1.12; Debian's python3-onnx 1.12 checks it). */
export const IR_VERSION = 8;
/** Default-domain opset written: 17 (GridSample needs 16). */
export const OPSET = 17;

/** TensorProto.DataType values used here. */
export const DataType = {FLOAT: 1, INT64: 7, FLOAT16: 10} as const;

/**
 * A DAEK.js model as `.onnx` bytes: `graph` with the IR version, opset and producer this package writes, the
 * description `docString` and optional metadata (string key/value pairs).
 */
export function encodeModel(graph: OnnxTypes.IGraphProto, docString: string, metadata: Record<string, string> = {}): Uint8Array {
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{domain: '', version: OPSET}],
    producerName: '@daek/onnx',
    producerVersion: PACKAGE_VERSION,
    domain: 'js.daek',
    modelVersion: 1,
    docString,
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({key, value})),
  });
  return onnx.ModelProto.encode(proto).finish();
}
