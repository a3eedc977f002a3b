// Where an interpolator's weights come from, and loading them into a built network: the tfjs format
// (model.json + shards) or a PyTorch .pth checkpoint, from a path, a URL, bytes or a tf.io handler.
import type * as tf from '@tensorflow/tfjs';
import {DAEK} from './daek.js';
import {resolveDaekConfig, type DaekConfig} from './presets.js';
import type {IFNet} from './ifnet.js';
import {loadStateDict} from './io/load_state_dict.js';
import {DAEK_MAP, RIFE_IFNET_MAP} from './io/name_maps.js';
import {readPth} from './io/pth.js';
import {loadWeights, readWeightsConfig, saveWeights} from './io/tfjs_format.js';
import {fetchWeightsHandler, type DownloadProgress} from './io/fetch_weights.js';
import {isNode, nodeFileSystem} from './io/node_fs.js';
import {shippedShardUrls} from './shipped.js';

/**
 * A weights location: a `model.json` path or URL (tfjs format), a `.pth` path or URL (PyTorch), the bytes of
 * a `.pth` file, or a `tf.io.IOHandler` (tfjs format).
 */
export type WeightsSource = string | tf.io.IOHandler | Uint8Array | ArrayBuffer;

/** The model configuration {@link saveNetwork}-style files carry: which model and its DAEK fields. */
export interface StoredModelConfig {
  /** `daek` (or a preset name) or `ifnet`. */
  model: string;
  /** The full DAEK configuration (DAEK models). */
  daekConfig?: Record<string, unknown>;
  /** The IFNet configuration (IFNet models). */
  ifnetConfig?: Record<string, unknown>;
}

const isPth = (s: string) => /\.(pth|pt|pkl|ckpt)$/i.test(s.split('?')[0]!);

/** A location fetched over HTTP: an http(s) URL anywhere, and in browsers a relative URL or a blob: URL too. */
function isFetched(location: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase();
  return scheme === 'http' || scheme === 'https' || (!isNode() && (scheme === undefined || scheme === 'blob'));
}

async function readBytes(location: string): Promise<Uint8Array> {
  if (isFetched(location)) {
    const response = await fetch(location);
    if (!response.ok) throw new Error(`Fetching ${location} failed: HTTP ${response.status}.`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const {readFile} = nodeFileSystem(`Reading the weights file ${location}`).fs;
  try {
    return new Uint8Array(await readFile(location.replace(/^file:\/\//, '')));
  } catch (error) {
    throw new Error(`Cannot read weights file ${location}: ${(error as Error).message}`);
  }
}

/** The model a tfjs-format weights file was saved for, when it says (null for .pth and bytes). */
export async function storedModelConfig(source: WeightsSource): Promise<StoredModelConfig | null> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return null;
  if (typeof source === 'string' && isPth(source)) return null;
  const info = await readWeightsConfig(source);
  const config = info.metadata.config as StoredModelConfig | null | undefined;
  return config && typeof config.model === 'string' ? config : null;
}

/** Options of {@link loadNetworkWeights}. */
export interface LoadNetworkWeightsOptions {
  /**
   * Keep weights fetched over HTTP in the Cache API (cache name `daek-weights-v1`), so that the next load needs no
   * download. Default true where the Cache API exists (browsers on https or localhost); `clearWeightsCache()` empties it.
   */
  cache?: boolean;
  /** Byte progress while tfjs-format weights download over HTTP. */
  onDownload?: (progress: DownloadProgress) => void;
}

/**
 * Load weights into `network`, all or nothing. Returns a short description of the source.
 * PyTorch checkpoints go through the model's name map (a DataParallel `module.` prefix is stripped).
 * tfjs-format weights at a URL are fetched with byte progress (`onProgress` gets the fraction) and cached
 * (see {@link LoadNetworkWeightsOptions}).
 */
export async function loadNetworkWeights(network: DAEK | IFNet, source: WeightsSource,
    onProgress?: (fraction: number) => void, options: LoadNetworkWeightsOptions = {}): Promise<string> {
  onProgress?.(0);
  const map = network instanceof DAEK ? DAEK_MAP : RIFE_IFNET_MAP;
  let name: string;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || (typeof source === 'string' && isPth(source))) {
    const bytes = typeof source === 'string' ? await readBytes(source) : source;
    onProgress?.(0.5);
    loadStateDict(network.store, await readPth(bytes, {source: typeof source === 'string' ? source : 'bytes'}), {map});
    name = typeof source === 'string' ? source : `.pth bytes (${bytes.byteLength} B)`;
  } else if (typeof source === 'string' && isFetched(source)) {
    await loadWeights(network.store, fetchWeightsHandler(source, {
      cache: options.cache,
      shardUrls: shippedShardUrls(new URL(source, (globalThis as {location?: {href: string}}).location?.href).href),
      onProgress: (progress) => {
        options.onDownload?.(progress);
        onProgress?.(progress.fraction * 0.99); // 1 once the tensors are assigned
      },
    }));
    name = source;
  } else {
    await loadWeights(network.store, source);
    name = typeof source === 'string' ? source : 'tf.io handler';
  }
  onProgress?.(1);
  return name;
}

/** Options of {@link saveNetwork}. */
export interface SaveNetworkOptions {
  /** Store IEEE half floats (half the size; see the README for the accuracy cost). */
  quantize?: 'float16';
  /**
   * The DAEK preset name to store instead of `daek` (e.g. `daek-s`), so that `createInterpolator({model: 'daek-s',
   * weights})` accepts the file. The network's widths must be the preset's (checked).
   */
  model?: string;
}

/** Fields that decide a DAEK network's tensors (not its teacher or correlation mode). */
const STRUCTURE: readonly (keyof DaekConfig)[] = ['mebWidths', 'featChannels', 'fnetDim', 'cnetDim', 'encoderWidths',
  'synthesisWidth', 'mrb', 'corrLevels', 'corrRadius', 'useMrb', 'useCa', 'useSfa', 'softmax', 'scales'];

/** The structural fields where a DAEK configuration differs from a preset's (empty: same network shape). */
export function structuralDifferences(config: DaekConfig, preset: string): string[] {
  const reference = resolveDaekConfig(preset);
  return STRUCTURE.filter((key) => JSON.stringify(config[key]) !== JSON.stringify(reference[key]));
}

/**
 * Save a network's weights in the tfjs format with its configuration, so that
 * `createInterpolator({weights})` rebuilds the same network without being told which.
 */
export async function saveNetwork(network: DAEK | IFNet, destination: string | tf.io.IOHandler,
    options: SaveNetworkOptions = {}): Promise<void> {
  if (options.model !== undefined) {
    if (!(network instanceof DAEK)) throw new Error(`saveNetwork: options.model names a DAEK preset, but this is an IFNet.`);
    const differences = structuralDifferences(network.config, options.model);
    if (differences.length > 0) {
      throw new Error(`saveNetwork: the network is not a "${options.model}": it differs in ${differences.join(', ')}.`);
    }
  }
  const config: StoredModelConfig = network instanceof DAEK ?
    {model: options.model ?? 'daek', daekConfig: {...network.config} as unknown as Record<string, unknown>} :
    {model: 'ifnet', ifnetConfig: {...network.config} as unknown as Record<string, unknown>};
  await saveWeights(network.store, destination, {config, quantize: options.quantize});
}
