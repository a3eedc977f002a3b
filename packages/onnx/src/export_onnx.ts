// exportOnnx(): a DAEK or IFNet network (weights loaded) -> ONNX model bytes of its inference graph.
import {DAEK, DAEK_PRESETS, IFNet, resolveDaekConfig, type DaekConfig} from '@daek/models';
import {GraphBuilder, imageValueInfo, type WeightStorage} from './graph/builder.js';
import {exportDaekGraph, exportIfnetGraph} from './export/networks.js';
import type {ExportContext} from './export/ops.js';
import {encodeModel} from './proto.js';
import {PACKAGE_VERSION} from './version.js';

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * How the weights are stored. `float32` (default) computes exactly as the tfjs network. `float16` stores
   * every weight as IEEE half (half the file) with a Cast to float32 inside the graph, so the graph still
   * computes in float32 everywhere ONNX Runtime runs it; the cost is the rounding of the weights (see README).
   */
  precision?: WeightStorage;
  /**
   * DAEK only: the correlation written into the graph. Default `memory-light`: ONNX Runtime runs it faster than
   * `all-pairs` at every size measured (daek-s 448x256 and 1280x720) and its memory grows linearly with the frame,
   * while the all-pairs volume grows with its square (5.3 GB at 720p). Both compute the same function.
   */
  correlation?: DaekConfig['correlation'];
  /** How `ConvTranspose2d` is written: `native` ConvTranspose (default) or the `phase` conv + DepthToSpace form. */
  convTranspose?: 'native' | 'phase';
  /** The model name written into the metadata (default: the DAEK preset whose configuration matches, or `ifnet`). */
  model?: string;
}

/** Metadata keys written into every exported model (`metadata_props`). */
export const METADATA_KEYS: Readonly<{
  /** The graph contract, {@link GRAPH_FORMAT}. */
  format: 'daek.format';
  /** Model name (`daek-s`, `ifnet`, ...). */
  model: 'daek.model';
  /** The network configuration, JSON. */
  config: 'daek.config';
  /** The @daek/onnx version that wrote the file. */
  version: 'daek.version';
  /** SHA-256 of the inference weights. */
  weightsHash: 'daek.weights_sha256';
  /** `float32` or `float16` weights. */
  precision: 'daek.precision';
  /** DAEK's correlation mode in the graph (absent without one). */
  correlation: 'daek.correlation';
}> = Object.freeze({
  format: 'daek.format', model: 'daek.model', config: 'daek.config', version: 'daek.version',
  weightsHash: 'daek.weights_sha256', precision: 'daek.precision', correlation: 'daek.correlation',
});

/** The value of {@link METADATA_KEYS}.format: marks a file as a DAEK.js interpolation graph, and its contract. */
export const GRAPH_FORMAT = 'daek-interpolation-v1';

/** One tensor in PyTorch layout. */
export interface TorchTensor {
  /** Values, C order. */
  data: Float32Array;
  /** PyTorch shape. */
  shape: readonly number[];
}

/**
 * Whether inference reads a tensor: not the teacher (`block_tea`, `mrb_tea`), not MRB_2's feature head (it feeds
 * only the teacher), not encoders that only the teacher's MRB uses.
 */
export function isInferenceTensor(network: DAEK | IFNet, name: string): boolean {
  if (/^(block_tea|mrb_tea)\./.test(name) || name.startsWith('mrb.2.feat_head.')) return false;
  if (network instanceof DAEK && !network.config.useMrb && /^(fnet|cnet)\./.test(name)) return false;
  return true;
}

/**
 * A network's inference weights ({@link isInferenceTensor}) in PyTorch layout and their SHA-256 (over names,
 * shapes and float32 data, in declaration order): the same student weights give the same hash with or without a
 * teacher.
 */
export async function readNetworkWeights(network: DAEK | IFNet): Promise<{
  /** PyTorch-layout tensors by name. */
  weights: Map<string, TorchTensor>;
  /** Hex SHA-256. */
  sha256: string;
}> {
  const weights = new Map<string, TorchTensor>();
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const {spec} of network.store.entries()) {
    if (!isInferenceTensor(network, spec.name)) continue;
    const data = await network.store.readTorch(spec.name);
    weights.set(spec.name, {data, shape: spec.torchShape});
    parts.push(encoder.encode(`${spec.name}:${spec.torchShape.join('x')};`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) { all.set(p, offset); offset += p.byteLength; }
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', all));
  return {weights, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')};
}

/** The DAEK preset whose configuration equals `config` (ignoring the correlation mode), or null. */
export function matchingPreset(config: DaekConfig): string | null {
  const strip = (c: DaekConfig) => JSON.stringify({...c, correlation: undefined});
  const target = strip(config);
  for (const preset of DAEK_PRESETS) {
    if (preset.name === 'daek-f-da' || preset.name === 'daek-ot') continue;
    if (strip(resolveDaekConfig(preset.name)) === target) return preset.name;
  }
  return null;
}

/**
 * Export the inference graph of a network (student only: the teacher never runs at inference) as ONNX
 * model bytes, opset 17, IR version 8.
 *
 * The graph contract: inputs `img0`, `img1` float32 NCHW `[B,3,H,W]` in [0,1]; outputs `merged` `[B,3,H,W]` (the
 * frame), `flow` `[B,4,H,W]` (`[F_t→0 dx, dy, F_t→1 dx, dy]`, as `NetworkOutputs.flows`) and `mask` `[B,1,H,W]`.
 * Batch, height and width are dynamic: every size the tfjs `forward` accepts (multiples of 16, DAEK at least 64;
 * IFNet multiples of 32). Padding and cropping stay outside the graph (`createInterpolator` does them).
 *
 * @example
 * ```ts
 * const net = buildNetwork('daek-s'); await loadNetworkWeights(net, 'weights/daek-s/model.json');
 * const bytes = await exportOnnx(net);            // Uint8Array, write it to daek-s.onnx
 * ```
 */
export async function exportOnnx(network: DAEK | IFNet, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  if (!(network instanceof DAEK) && !(network instanceof IFNet)) {
    throw new Error('exportOnnx: expected a DAEK or IFNet network from @daek/models (with its weights loaded).');
  }
  if (network.store.disposed) throw new Error('exportOnnx: the network was disposed.');
  const precision = options.precision ?? 'float32';
  if (precision !== 'float32' && precision !== 'float16') {
    throw new Error(`exportOnnx: precision must be 'float32' or 'float16', got ${JSON.stringify(precision)}.`);
  }
  const convTranspose = options.convTranspose ?? 'native';
  if (convTranspose !== 'native' && convTranspose !== 'phase') {
    throw new Error(`exportOnnx: convTranspose must be 'native' or 'phase', got ${JSON.stringify(convTranspose)}.`);
  }
  const {weights, sha256} = await readNetworkWeights(network);
  const g = new GraphBuilder(precision);
  const ctx: ExportContext = {g, weights, convTranspose};
  const img0 = g.reserve('img0');
  const img1 = g.reserve('img1');
  let values;
  let model: string;
  let config: unknown;
  let correlation = '';
  if (network instanceof DAEK) {
    const mode = options.correlation ?? 'memory-light';
    if (mode !== 'all-pairs' && mode !== 'memory-light') {
      throw new Error(`exportOnnx: correlation must be 'all-pairs' or 'memory-light', got ${JSON.stringify(mode)}.`);
    }
    correlation = network.config.useMrb && network.config.useCa ? mode : '';
    values = exportDaekGraph(ctx, img0, img1, network.config, mode);
    model = options.model ?? matchingPreset(network.config) ?? 'daek-custom';
    config = {...network.config, correlation: mode};
  } else {
    values = exportIfnetGraph(ctx, img0, img1, network.config.scales);
    model = options.model ?? 'ifnet';
    config = {...network.config, teacherWidth: 0};
  }
  g.output(values.merged, 'merged');
  g.output(values.flow, 'flow');
  g.output(values.mask, 'mask');
  const metadata: Record<string, string> = {
    [METADATA_KEYS.format]: GRAPH_FORMAT,
    [METADATA_KEYS.model]: model,
    [METADATA_KEYS.config]: JSON.stringify(config),
    [METADATA_KEYS.version]: PACKAGE_VERSION,
    [METADATA_KEYS.weightsHash]: sha256,
    [METADATA_KEYS.precision]: precision,
    ...(correlation ? {[METADATA_KEYS.correlation]: correlation} : {}),
  };
  const graph = g.graph(`daek_${model}`, [imageValueInfo(img0, 3), imageValueInfo(img1, 3)],
    [imageValueInfo('merged', 3), imageValueInfo('flow', 4), imageValueInfo('mask', 1)]);
  return encodeModel(graph, `DAEK.js ${model} video frame interpolation, inference graph (student only). Inputs img0, ` +
    'img1: float32 NCHW [B,3,H,W] in [0,1], H and W multiples of 16 (DAEK: >= 64). Outputs merged [B,3,H,W], ' +
    'flow [B,4,H,W], mask [B,1,H,W].', metadata);
}
