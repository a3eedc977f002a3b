// Loading tfjs-format weights over HTTP in browsers: model.json and its shards are fetched with byte progress
// and kept in the Cache API, so a second visit loads the shards without the network. Browser-clean.
import type * as tf from '@tensorflow/tfjs';

/** The Cache API cache that holds downloaded weights. */
export const WEIGHTS_CACHE_NAME = 'daek-weights-v1';

/** Progress of a weights download. */
export interface DownloadProgress {
  /** Bytes received so far (model.json excluded). */
  loaded: number;
  /** Bytes in all shards, from the manifest. */
  total: number;
  /** loaded / total in [0, 1]. */
  fraction: number;
  /** True when the bytes came from the cache (no download). */
  cached: boolean;
}

/** Options of {@link fetchWeightsHandler}. */
export interface FetchWeightsOptions {
  /** Keep the files in the Cache API (default: true where `caches` exists, i.e. secure browser contexts). */
  cache?: boolean;
  /** Called as the shards arrive. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Shard name (as in model.json) to URL, for shards a bundler renamed; others resolve beside model.json. */
  shardUrls?: Readonly<Record<string, string>>;
}

function cacheAvailable(): boolean {
  return typeof caches !== 'undefined' && typeof caches.open === 'function';
}

/**
 * A response for `url`, stored in the cache when `useCache`. Shards are cache-first (their names carry a checksum
 * of their data, so a changed save has new names); model.json is network-first, the cached copy serving offline.
 */
async function cachedFetch(url: string, useCache: boolean, what: string, networkFirst = false):
    Promise<{response: Response; cached: boolean}> {
  const cache = useCache ? await caches.open(WEIGHTS_CACHE_NAME).catch(() => null) : null;
  const hit = cache && !networkFirst ? await cache.match(url) : undefined;
  if (hit) return {response: hit, cached: true};
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const offline = cache && networkFirst ? await cache.match(url) : undefined;
    if (offline) return {response: offline, cached: true};
    throw new Error(`${what}: fetching ${url} failed (${(error as Error).message}). Check the URL, and for another ` +
      'origin that it sends CORS headers (and Cross-Origin-Resource-Policy on a cross-origin isolated page).');
  }
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} fetching ${url}.`);
  if (cache) await cache.put(url, response.clone()).catch(() => undefined); // a full quota only loses the cache
  return {response, cached: false};
}

/** The body of a response, reporting each chunk. */
async function readBody(response: Response, onChunk: (bytes: number) => void): Promise<Uint8Array> {
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onChunk(bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    onChunk(value.length);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
  return out;
}

/** Bytes the manifest's tensors take (float32, or float16 when quantized). */
function manifestBytes(manifest: tf.io.WeightsManifestConfig): number {
  let total = 0;
  for (const group of manifest) {
    for (const spec of group.weights) {
      const numel = spec.shape.reduce((a, b) => a * b, 1);
      total += numel * (spec.quantization?.dtype === 'float16' ? 2 : spec.quantization?.dtype === 'uint8' ? 1 : 4);
    }
  }
  return total;
}

/**
 * A `tf.io.IOHandler` that loads a tfjs-format `model.json` URL and its shards with byte progress, through the
 * Cache API. Shard paths resolve against the model.json URL unless `shardUrls` names them.
 */
export function fetchWeightsHandler(modelJsonUrl: string, options: FetchWeightsOptions = {}): tf.io.IOHandler {
  const useCache = (options.cache ?? true) && cacheAvailable();
  const what = `Loading weights from ${modelJsonUrl}`;
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const base = new URL(modelJsonUrl, (globalThis as {location?: {href: string}}).location?.href);
      const {response} = await cachedFetch(base.href, useCache, what, true);
      let json: tf.io.ModelJSON;
      try {
        json = await response.json() as tf.io.ModelJSON;
      } catch (error) {
        throw new Error(`${what}: model.json is not valid JSON (${(error as Error).message}); is the URL a tfjs model.json?`);
      }
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
      };
      if (json.userDefinedMetadata) artifacts.userDefinedMetadata = json.userDefinedMetadata;
      if (!json.weightsManifest) return artifacts;
      const total = manifestBytes(json.weightsManifest);
      let loaded = 0;
      let allCached = true;
      options.onProgress?.({loaded: 0, total, fraction: total > 0 ? 0 : 1, cached: false});
      const buffers: ArrayBuffer[] = [];
      for (const path of json.weightsManifest.flatMap((group) => group.paths)) {
        const url = options.shardUrls?.[path] ?? new URL(path, base).href;
        const shard = await cachedFetch(url, useCache, what);
        allCached &&= shard.cached;
        const bytes = await readBody(shard.response, (n) => {
          loaded += n;
          options.onProgress?.({loaded, total, fraction: total > 0 ? Math.min(1, loaded / total) : 1, cached: allCached});
        });
        buffers.push(bytes.buffer as ArrayBuffer);
      }
      artifacts.weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      artifacts.weightData = buffers;
      return artifacts;
    },
  };
}

/** Remove the weights {@link fetchWeightsHandler} cached (all of them). Resolves to whether a cache existed. */
export async function clearWeightsCache(): Promise<boolean> {
  return cacheAvailable() ? caches.delete(WEIGHTS_CACHE_NAME) : false;
}
