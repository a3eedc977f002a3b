// A tf.io handler for the local file system in Node. It reaches node:fs only through the registry of node_fs.ts,
// which the Node entry fills, so this module stays browser-clean; it is exported from the Node entry only.
// A tf.io handler for the local file system in Node (the @tensorflow/tfjs union package has none; tfjs-node's
// file:// handler is not a dependency here). Saving writes the shards, then model.json, each through a temp
// file and a rename: a crash leaves the previous save intact, never a model.json pointing at half-written data.
import * as tf from '@tensorflow/tfjs';
import {crc32, crc32Hex} from './crc32.js';
import {isNode, nodeFileSystem} from './node_fs.js';
import {explainWriteError, makeFolder} from './write_errors.js';

type Fs = typeof import('node:fs/promises');

/** Default shard size, as tfjs uses (4 MiB): small enough for browser caches and HTTP range limits. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export {isNode};

/** node:fs/promises, installed by the package's Node entry (node.ts); browsers get an error naming the fix. */
async function nodeFs(): Promise<Fs> {
  return nodeFileSystem('A weights file path').fs;
}

/** Split a location into its folder and model.json file name: a `.json` path, or a folder holding `model.json`. */
function splitPath(location: string): {dir: string; file: string} {
  const path = location.startsWith('file://') ? decodeURIComponent(location.slice('file://'.length)) : location;
  if (/\.json$/i.test(path)) {
    const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    return {dir: cut < 0 ? '.' : path.slice(0, cut) || '/', file: path.slice(cut + 1)};
  }
  return {dir: path.replace(/[/\\]+$/, '') || '/', file: 'model.json'};
}

function join(dir: string, file: string): string {
  return dir.endsWith('/') ? dir + file : `${dir}/${file}`;
}

function concat(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const parts = (Array.isArray(data) ? data : [data]).map((b) => new Uint8Array(b));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

async function writeAtomic(fs: Fs, path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, {force: true}).catch(() => undefined);
    throw explainWriteError(error, path);
  }
}

async function readJsonFile(fs: Fs, jsonPath: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (error) {
    if ((error as {code?: string}).code === 'ENOENT') throw new Error(`No weights at ${jsonPath} (file not found).`);
    throw error;
  }
  try {
    return JSON.parse(text) as tf.io.ModelJSON;
  } catch (error) {
    throw new Error(`${jsonPath} is not valid JSON (${(error as Error).message}); the file is truncated or corrupt.`);
  }
}

/** The model.json of a Node file location (a folder or `.json` path), without reading the shards. */
export async function readModelJsonFile(location: string): Promise<tf.io.ModelJSON> {
  const {dir, file} = splitPath(location);
  return readJsonFile(await nodeFs(), join(dir, file));
}

/** Options of {@link nodeFileHandler}. */
export interface NodeFileHandlerOptions {
  /** Largest shard in bytes (default {@link DEFAULT_SHARD_BYTES}). */
  shardBytes?: number;
}

/**
 * A `tf.io.IOHandler` that saves to and loads from the local file system (Node only).
 *
 * `location` is a folder (the handler uses `<folder>/model.json`) or a path ending in `.json`. Saving writes
 * `model.json` and shards named `<stem>.<id>.shard<i>of<n>.bin` beside it (the id is a checksum of the data, so a
 * new save never overwrites the shards an existing model.json points to), then removes the previous save's shards.
 */
export function nodeFileHandler(location: string, options: NodeFileHandlerOptions = {}): tf.io.IOHandler {
  const {dir, file} = splitPath(location);
  const jsonPath = join(dir, file);
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!(Number.isInteger(shardBytes) && shardBytes > 0)) throw new Error(`shardBytes must be a positive integer, got ${shardBytes}.`);

  const readJson = (fs: Fs): Promise<tf.io.ModelJSON> => readJsonFile(fs, jsonPath);

  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('nodeFileHandler: binary model topologies are not supported.');
      const fs = await nodeFs();
      await makeFolder(fs, dir, jsonPath);
      const data = concat(artifacts.weightData);
      const stem = file.replace(/\.json$/i, '');
      const id = crc32Hex(crc32(new TextEncoder().encode(JSON.stringify(artifacts.weightSpecs ?? [])), crc32(data)));
      const count = Math.max(1, Math.ceil(data.length / shardBytes));
      const paths = Array.from({length: count}, (_, i) => `${stem}.${id}.shard${i + 1}of${count}.bin`);
      let previous: string[] = [];
      try {
        previous = (await readJson(fs)).weightsManifest?.flatMap((group) => group.paths) ?? [];
      } catch {
        previous = [];
      }
      for (let i = 0; i < count; i++) {
        await writeAtomic(fs, join(dir, paths[i]!), data.subarray(i * shardBytes, Math.min(data.length, (i + 1) * shardBytes)));
      }
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{paths, weights: artifacts.weightSpecs ?? []}],
      };
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeAtomic(fs, jsonPath, JSON.stringify(modelJson));
      // Only now is the previous save unreferenced.
      for (const old of previous) {
        if (!paths.includes(old) && !old.includes('/') && !old.includes('\\')) await fs.rm(join(dir, old), {force: true}).catch(() => undefined);
      }
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const fs = await nodeFs();
      const modelJson = await readJson(fs);
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: modelJson.modelTopology, format: modelJson.format, generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
      };
      if (modelJson.userDefinedMetadata) artifacts.userDefinedMetadata = modelJson.userDefinedMetadata;
      if (!modelJson.weightsManifest) return artifacts;
      const buffers: ArrayBuffer[] = [];
      const missing: string[] = [];
      for (const group of modelJson.weightsManifest) {
        for (const path of group.paths) {
          try {
            const bytes = await fs.readFile(join(dir, path));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          } catch (error) {
            if ((error as {code?: string}).code !== 'ENOENT') throw error;
            missing.push(path);
          }
        }
      }
      if (missing.length > 0) {
        throw new Error(`${jsonPath}: weight shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in ${dir} ` +
          '(copy every file of the save).');
      }
      artifacts.weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
      artifacts.weightData = buffers;
      return artifacts;
    },
  };
}
