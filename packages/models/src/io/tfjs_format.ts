// Weights in the tfjs format (model.json + binary shards) through tf.io handlers: the form a browser app
// downloads. Names are PyTorch state-dict keys, shapes and data are in this package's (tfjs) layout, and
// userDefinedMetadata.daek carries the model config, the format version and a CRC-32 of the data.
import * as tf from '@tensorflow/tfjs';
import {tfShape, tfToTorch, type ParamStore} from '../params.js';
import {crc32, crc32Hex} from './crc32.js';
import {decodeFloat16, encodeFloat16, FLOAT16_MAX} from './float16.js';
import {isNode, nodeFileHandler, readModelJsonFile} from './node_file_handler.js';
import {firstNonFinite, MAX_LISTED_PROBLEMS, sameShape, shapeText, WeightsError} from './problems.js';

/** `format` tag of the saved model.json. */
export const WEIGHTS_FORMAT = 'daek-weights';

/** Version of the layout below; loaders refuse newer versions. */
export const WEIGHTS_FORMAT_VERSION = 1;

/** Where weights are saved to or loaded from: a tf.io handler, a URL, or (Node) a folder or `.json` path. */
export type WeightsLocation = tf.io.IOHandler | string;

/** What `model.json` holds under `userDefinedMetadata.daek`. */
export interface WeightsMetadata {
  /** Always {@link WEIGHTS_FORMAT}. */
  format: string;
  /** {@link WEIGHTS_FORMAT_VERSION} of the writer. */
  formatVersion: number;
  /** The model configuration the caller saved (JSON), so that a loader can build the right network first. */
  config: unknown;
  /** `'float16'` when the weights are stored as IEEE half floats, else null. */
  quantization: 'float16' | null;
  /** CRC-32 of all weight bytes, in manifest order (8 hex digits). */
  crc32: string;
  /** Number of tensors. */
  tensors: number;
  /** Number of values (all tensors). */
  values: number;
  /** A reminder of the layout, for people reading the file. */
  layout: string;
}

/** Options of {@link saveWeights}. */
export interface SaveWeightsOptions {
  /** The model configuration to store (any JSON value; `null` when there is none). */
  config: unknown;
  /** `'float16'`: store IEEE half floats (half the size; see the README for the accuracy cost). */
  quantize?: 'float16';
  /** Largest shard in bytes for file-system saves (default 4 MiB). */
  shardBytes?: number;
}

/** What {@link saveWeights} wrote. */
export interface SaveWeightsResult {
  /** Bytes of weight data (all shards). */
  weightBytes: number;
  /** Number of tensors written. */
  tensors: number;
  /** Number of values written. */
  values: number;
  /** `'float16'` or null (float32). */
  quantization: 'float16' | null;
  /** Largest |stored - original| over all values (0 for float32). */
  maxAbsError: number;
  /** Largest |stored - original| / |original| over the values with |original| >= 1e-4 (0 for float32). */
  maxRelError: number;
  /** What the tf.io handler returned. */
  saveResult: tf.io.SaveResult;
}

/** Options of {@link loadWeights}. */
export interface LoadWeightsOptions {
  /** True (default): the file must hold exactly the model's tensors. False: load what both have, report the rest. */
  strict?: boolean;
  /** How many problems the error message lists (default 20). */
  maxListed?: number;
}

/** What {@link loadWeights} did. */
export interface LoadWeightsResult {
  /** The file's metadata, including the stored model config. */
  metadata: WeightsMetadata;
  /** Model tensors assigned (canonical names). */
  loaded: string[];
  /** Model tensors the file lacks; they keep their values (only with `strict: false`). */
  missing: string[];
  /** File tensors the model does not have (only with `strict: false`). */
  unexpected: string[];
}

/** What {@link readWeightsConfig} returns: the metadata, and each tensor's name and tfjs shape. */
export interface WeightsInfo {
  /** The file's metadata, including the stored model config. */
  metadata: WeightsMetadata;
  /** Every stored tensor: PyTorch name and tfjs-layout shape. */
  tensors: WeightsTensorInfo[];
  /** The writer (`@daek/models`). */
  generatedBy: string | undefined;
}

/** One tensor listed by {@link readWeightsConfig}. */
export interface WeightsTensorInfo {
  /** PyTorch state-dict key. */
  name: string;
  /** Shape in tfjs layout. */
  shape: number[];
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const {abs} = Math; // a local alias: hot loops under jest's vm context pay for every global lookup

/** A handler for a location: URLs through tf.io's routers (http, indexeddb://, ...), paths through {@link nodeFileHandler}. */
function handlerFor(location: WeightsLocation, mode: 'save' | 'load', shardBytes?: number): tf.io.IOHandler {
  if (typeof location !== 'string') {
    if (typeof location[mode] !== 'function') throw new Error(`The IOHandler passed has no ${mode}() method.`);
    return location;
  }
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return tf.io.http(location);
  if (scheme && scheme !== 'file') {
    const handlers = mode === 'save' ? tf.io.getSaveHandlers(location) : tf.io.getLoadHandlers(location);
    if (handlers.length === 0) throw new Error(`No tf.io handler for ${location} (unknown scheme ${scheme}://).`);
    return handlers[0]!;
  }
  if (scheme === 'file' || isNode()) return nodeFileHandler(location, {shardBytes});
  return tf.io.http(location); // a relative URL in a browser
}

function concat(data: tf.io.WeightData | undefined): {bytes: Uint8Array; parts: number[]} {
  if (!data) return {bytes: new Uint8Array(0), parts: []};
  const parts = (Array.isArray(data) ? data : [data]).map((b) => new Uint8Array(b));
  const bytes = parts.length === 1 ? parts[0]! : new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  if (parts.length > 1) {
    let at = 0;
    for (const p of parts) { bytes.set(p, at); at += p.length; }
  }
  return {bytes, parts: parts.map((p) => p.length)};
}

/**
 * Save every tensor of `store` in the tfjs weights format.
 *
 * The model.json `weightsManifest` names each tensor by its PyTorch state-dict key with its tfjs-layout shape
 * (conv `[kh,kw,in,out]`, conv-transpose `[kh,kw,out,in]`); alias keys are not written (loading resolves them).
 * `userDefinedMetadata.daek` holds `options.config`, the format version and a CRC-32 of the data. With
 * `quantize: 'float16'` the values are rounded to IEEE half floats (nearest even) and marked
 * `quantization: {dtype: 'float16'}`, which `tf.io.decodeWeights` understands too.
 *
 * @param destination a `tf.io.IOHandler`, a URL (`http(s)://` posts with `tf.io.http`; `indexeddb://`,
 *   `localstorage://`, `downloads://` use tf.io's handlers), or in Node a folder or `.json` path.
 * @throws Error naming the tensors when a value is NaN or Infinity, or out of float16 range with `quantize`.
 */
export async function saveWeights(store: ParamStore, destination: WeightsLocation, options: SaveWeightsOptions):
    Promise<SaveWeightsResult> {
  if (store.disposed) throw new Error('saveWeights: this model was disposed; create a new one.');
  if (options === undefined || !('config' in options)) {
    throw new Error('saveWeights: pass {config} (the model configuration to store, or null).');
  }
  const quantization = options.quantize ?? null;
  if (quantization !== null && quantization !== 'float16') {
    throw new Error(`saveWeights: unknown quantize '${String(quantization)}' (only 'float16' is supported).`);
  }
  let configJson: string;
  try {
    configJson = JSON.stringify(options.config ?? null);
  } catch (error) {
    throw new Error(`saveWeights: the config is not JSON-serialisable (${(error as Error).message}).`);
  }
  const handler = handlerFor(destination, 'save', options.shardBytes);
  const problems: string[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let values = 0;
  let maxAbsError = 0;
  let maxRelError = 0;
  for (const {spec, variable} of store.entries()) {
    const data = await variable.data() as Float32Array;
    values += data.length;
    const bad = firstNonFinite(data);
    if (bad) {
      problems.push(`${spec.name}: ${bad.count} NaN/Infinity value${bad.count === 1 ? '' : 's'} (first at flat index ` +
        `${bad.index}: ${bad.value})`);
      continue;
    }
    const entry: tf.io.WeightsManifestEntry = {name: spec.name, shape: [...variable.shape], dtype: 'float32'};
    if (quantization === 'float16') {
      const bits = encodeFloat16(data);
      const decoded = decodeFloat16(bits);
      let overflow = -1;
      for (let i = 0; i < data.length; i++) {
        const err = abs(decoded[i]! - data[i]!);
        if (!(err <= FLOAT16_MAX)) { overflow = i; break; } // Infinity: out of range
        if (err > maxAbsError) maxAbsError = err;
        const magnitude = abs(data[i]!);
        if (magnitude >= 1e-4 && err / magnitude > maxRelError) maxRelError = err / magnitude;
      }
      if (overflow >= 0) {
        problems.push(`${spec.name}: value ${data[overflow]} at flat index ${overflow} is beyond the float16 range ` +
          `(±${FLOAT16_MAX}); save without quantize`);
        continue;
      }
      entry.quantization = {dtype: 'float16'};
      chunks.push(new Uint8Array(bits.buffer));
    } else {
      chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    specs.push(entry);
  }
  if (problems.length > 0) throw new WeightsError('saveWeights', problems, 'Nothing was written.');
  const weightBytes = chunks.reduce((n, c) => n + c.length, 0);
  const weightData = new Uint8Array(weightBytes);
  let at = 0;
  for (const chunk of chunks) { weightData.set(chunk, at); at += chunk.length; }
  const metadata: WeightsMetadata = {
    format: WEIGHTS_FORMAT, formatVersion: WEIGHTS_FORMAT_VERSION, config: JSON.parse(configJson) as unknown,
    quantization, crc32: crc32Hex(crc32(weightData)), tensors: specs.length, values,
    layout: 'names: PyTorch state-dict keys; shapes: tfjs layout (conv [kh,kw,in,out], conv-transpose [kh,kw,out,in])',
  };
  const saveResult = await handler.save!({
    modelTopology: {weightsOnly: true, note: 'Build the network with @daek/models from userDefinedMetadata.daek.config.'},
    format: WEIGHTS_FORMAT, generatedBy: '@daek/models', convertedBy: null,
    weightSpecs: specs, weightData: weightData.buffer,
    userDefinedMetadata: {daek: metadata as unknown as Record<string, unknown>},
  });
  return {weightBytes, tensors: specs.length, values, quantization, maxAbsError, maxRelError, saveResult};
}

/** The daek metadata of loaded artifacts, or an error saying why they are not ours. */
function metadataOf(artifacts: tf.io.ModelArtifacts, where: string): WeightsMetadata {
  const meta = (artifacts.userDefinedMetadata as {daek?: WeightsMetadata} | undefined)?.daek;
  if (!meta || meta.format !== WEIGHTS_FORMAT) {
    throw new Error(`${where}: not a DAEK weights file (model.json has no userDefinedMetadata.daek; format ` +
      `'${artifacts.format ?? 'none'}'). Save weights with saveWeights(), or read a PyTorch checkpoint with readPth().`);
  }
  if (!(meta.formatVersion <= WEIGHTS_FORMAT_VERSION)) {
    throw new Error(`${where}: weights format version ${meta.formatVersion} is newer than this @daek/models reads ` +
      `(${WEIGHTS_FORMAT_VERSION}); upgrade @daek/models.`);
  }
  return meta;
}

function describeLocation(location: WeightsLocation): string {
  return typeof location === 'string' ? location : 'the IOHandler';
}

/**
 * Load weights saved by {@link saveWeights} into `store`.
 *
 * Everything is validated before anything is assigned: the data length against the manifest (a truncated or
 * missing shard), the CRC-32 (a corrupt shard or one from another save), unknown and missing tensors (with
 * `strict`), shapes against the model's tfjs shapes, NaN/Infinity values. Any problem throws one
 * {@link WeightsError} listing them all, and the store is unchanged. float16 weights are widened to float32.
 *
 * @param source a `tf.io.IOHandler`, a URL (fetched with `tf.io.http`, or tf.io's `indexeddb://`...), or in Node a
 *   folder or `.json` path.
 */
export async function loadWeights(store: ParamStore, source: WeightsLocation, options: LoadWeightsOptions = {}):
    Promise<LoadWeightsResult> {
  if (store.disposed) throw new Error('loadWeights: this model was disposed; create a new one.');
  const where = `loadWeights(${describeLocation(source)})`;
  const strict = options.strict ?? true;
  const artifacts = await handlerFor(source, 'load').load!();
  const metadata = metadataOf(artifacts, where);
  const specs = artifacts.weightSpecs ?? [];
  const {bytes, parts} = concat(artifacts.weightData);
  const problems: string[] = [];

  // Layout of the data: one slice per spec.
  let expectedBytes = 0;
  const slices: {spec: tf.io.WeightsManifestEntry; start: number; end: number}[] = [];
  for (const spec of specs) {
    const numel = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization?.dtype;
    if (spec.dtype !== 'float32' || (q !== undefined && q !== 'float16')) {
      problems.push(`${spec.name}: dtype ${spec.dtype}${q ? ` quantized as ${q}` : ''} is not supported (float32, optionally float16)`);
    }
    const size = numel * (q === 'float16' ? 2 : 4);
    slices.push({spec, start: expectedBytes, end: expectedBytes + size});
    expectedBytes += size;
  }
  let dataOk = problems.length === 0;
  if (bytes.length !== expectedBytes) {
    problems.push(`the weight data has ${bytes.length} bytes${parts.length > 1 ? ` in ${parts.length} shards (${parts.join(', ')})` : ''}` +
      `, the manifest needs ${expectedBytes}: a shard is truncated, missing or from another save`);
    dataOk = false;
  } else if (metadata.crc32 && crc32Hex(crc32(bytes)) !== metadata.crc32) {
    problems.push(`the weight data fails its CRC-32 check (${crc32Hex(crc32(bytes))}, model.json says ${metadata.crc32}): ` +
      'a shard is corrupt or from another save');
    dataOk = false;
  }

  const assignments: {name: string; data: Float32Array}[] = [];
  const seen = new Map<string, string>();
  const unexpected: string[] = [];
  for (const {spec, start, end} of slices) {
    const entry = store.entry(spec.name);
    if (!entry) {
      unexpected.push(spec.name);
      if (strict) problems.push(`unexpected: ${spec.name}: the model has no such tensor`);
      continue;
    }
    const canonical = store.canonicalName(spec.name);
    if (seen.has(canonical)) {
      problems.push(`duplicate: ${seen.get(canonical)} and ${spec.name} are the same model tensor (${canonical})`);
      continue;
    }
    seen.set(canonical, spec.name);
    const expected = tfShape(entry.spec.torchShape, entry.spec.layout);
    if (!sameShape(spec.shape, expected)) {
      problems.push(`shape: ${spec.name}: ${shapeText(spec.shape)} in the file, the model expects ${shapeText(expected)} ` +
        `(tfjs layout; PyTorch ${shapeText(entry.spec.torchShape)})`);
      continue;
    }
    if (!dataOk) continue;
    const raw = bytes.slice(start, end); // aligned copy
    const data = spec.quantization?.dtype === 'float16' ? decodeFloat16(new Uint16Array(raw.buffer)) : new Float32Array(raw.buffer);
    const bad = firstNonFinite(data);
    if (bad) {
      problems.push(`non-finite: ${spec.name}: ${bad.count} NaN/Infinity value${bad.count === 1 ? '' : 's'} ` +
        `(first at flat index ${bad.index}: ${bad.value})`);
      continue;
    }
    assignments.push({name: canonical, data});
  }
  const missing = store.names().filter((name) => !seen.has(name));
  if (strict) {
    for (const name of missing) {
      const spec = store.entry(name)!.spec;
      problems.push(`missing: ${name} (tfjs shape ${shapeText(tfShape(spec.torchShape, spec.layout))}) is not in the file`);
    }
  }
  if (problems.length > 0) {
    throw new WeightsError(where, problems, '', options.maxListed ?? MAX_LISTED_PROBLEMS);
  }
  for (const {name, data} of assignments) {
    const spec = store.entry(name)!.spec;
    store.assignTorch(name, tfToTorch(data, spec.torchShape, spec.layout));
  }
  return {metadata, loaded: assignments.map((a) => a.name), missing: strict ? [] : missing, unexpected: strict ? [] : unexpected};
}

/**
 * The metadata (including the model config) and tensor list of saved weights, without loading them: so that a
 * loader can build the right network before calling {@link loadWeights}. URLs and paths read only model.json.
 */
export async function readWeightsConfig(source: WeightsLocation): Promise<WeightsInfo> {
  const where = `readWeightsConfig(${describeLocation(source)})`;
  let artifacts: tf.io.ModelArtifacts;
  const scheme = typeof source === 'string' ? SCHEME.exec(source)?.[1]?.toLowerCase() : undefined;
  const viaFetch = typeof source === 'string' && (scheme === 'http' || scheme === 'https' || (!scheme && !isNode()));
  const fromJson = (json: tf.io.ModelJSON): tf.io.ModelArtifacts => ({format: json.format, generatedBy: json.generatedBy,
    userDefinedMetadata: json.userDefinedMetadata, weightSpecs: json.weightsManifest?.flatMap((g) => g.weights) ?? []});
  if (viaFetch) {
    const response = await fetch(source as string);
    if (!response.ok) throw new Error(`${where}: HTTP ${response.status} fetching the model.json.`);
    artifacts = fromJson(await response.json() as tf.io.ModelJSON);
  } else if (typeof source === 'string' && (!scheme || scheme === 'file')) {
    artifacts = fromJson(await readModelJsonFile(source));
  } else {
    artifacts = await handlerFor(source, 'load').load!();
  }
  const metadata = metadataOf(artifacts, where);
  return {metadata, generatedBy: artifacts.generatedBy,
    tensors: (artifacts.weightSpecs ?? []).map((s) => ({name: s.name, shape: [...s.shape]}))};
}
