// Reading an .onnx before a session is made: refuse corrupt or truncated files and graphs of other models by name.
import {GRAPH_FORMAT, METADATA_KEYS} from '../export_onnx.js';
import {onnx, type OnnxTypes} from '../proto.js';
import {OnnxModelError} from './errors.js';

/** What a DAEK.js `.onnx` says about itself (its metadata). */
export interface OnnxModelInfo {
  /** Model name (`daek-s`, `ifnet`, ...). */
  model: string;
  /** The network configuration as exported. */
  config: Record<string, unknown>;
  /** Version of @daek/onnx that wrote it. */
  version: string;
  /** SHA-256 of the weights it was exported from. */
  weightsSha256: string;
  /** `float32` or `float16` weights. */
  precision: string;
  /** Opset of the default domain. */
  opset: number;
  /** DAEK's correlation in the graph (`all-pairs`, `memory-light`), or `''` when it has none. */
  correlation: string;
}

/** Decode and check model bytes; `what` names the file in errors. */
export function readModelInfo(bytes: Uint8Array, what = 'the model'): OnnxModelInfo {
  let proto: OnnxTypes.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxModelError('corrupt', `${what} is not a readable ONNX file (corrupt or truncated: ` +
      `${(error as Error).message}). Export it again (daek-export) or download it again.`, {cause: error});
  }
  const inputs = (proto.graph?.input ?? []).map((v) => v.name);
  const outputs = (proto.graph?.output ?? []).map((v) => v.name);
  const meta = new Map((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const contract = inputs.join() === 'img0,img1' && ['merged', 'flow', 'mask'].every((n) => outputs.includes(n));
  if (!proto.graph || (bytes.length > 0 && (proto.graph.node ?? []).length === 0)) {
    throw new OnnxModelError('corrupt', `${what} holds no graph (corrupt or truncated, ${bytes.length} bytes). ` +
      'Export it again (daek-export) or download it again.');
  }
  if (!contract || meta.get(METADATA_KEYS.format) !== GRAPH_FORMAT) {
    const found = `inputs [${inputs.join(', ')}], outputs [${outputs.join(', ')}]`;
    throw new OnnxModelError(contract ? 'corrupt' : 'not-daek', contract ?
      `${what} has the DAEK graph's inputs and outputs but not the metadata @daek/onnx writes (truncated, or edited). Export it again with daek-export.` :
      `${what} is an ONNX model of another network (${found}); the DAEK engine needs a graph from @daek/onnx's ` +
      'exportOnnx / daek-export (inputs img0, img1; outputs merged, flow, mask).');
  }
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(meta.get(METADATA_KEYS.config) ?? '{}') as Record<string, unknown>;
  } catch {
    throw new OnnxModelError('corrupt', `${what}: its configuration metadata is not JSON (corrupt). Export it again.`);
  }
  const opset = Number((proto.opsetImport ?? []).find((o) => !o.domain)?.version ?? 0);
  return {model: meta.get(METADATA_KEYS.model) ?? '', config, version: meta.get(METADATA_KEYS.version) ?? '',
    weightsSha256: meta.get(METADATA_KEYS.weightsHash) ?? '', precision: meta.get(METADATA_KEYS.precision) ?? 'float32', opset,
    correlation: meta.get(METADATA_KEYS.correlation) ?? ''};
}
