// The trained weights that ship inside this package. Each file is named by a literal
// `new URL('../weights/…', import.meta.url)`, the pattern Vite, webpack and Parcel follow to copy the file into
// a bundle's output (with a hashed name): so the shard URLs are listed here one by one, and the browser loader
// (io/fetch_weights.ts) maps model.json's shard names to them. In Node the same URLs are file: URLs.
import {nodeFileSystem} from './io/node_fs.js';

/**
 * Presets whose trained weights ship with this package (`weights/<preset>/model.json`, float16), and which
 * `createInterpolator` loads when no `weights` are given. See the models README for how each was trained.
 */
export const SHIPPED_WEIGHTS: Readonly<Record<string, string>> = Object.freeze({'daek-s': 'weights/daek-s/model.json'});

/** The URLs of one preset's shipped files. */
export interface ShippedFiles {
  /** model.json. */
  modelJson: URL;
  /** Each shard named in model.json's manifest, and its URL. */
  shards: Readonly<Record<string, URL>>;
}

// One entry per SHIPPED_WEIGHTS preset; a test checks the shard names against model.json (ship-weights renames
// them when the weights change).
const FILES: Readonly<Record<string, () => ShippedFiles>> = {
  'daek-s': () => ({
    modelJson: new URL('../weights/daek-s/model.json', import.meta.url),
    shards: {'model.e6075da3.shard1of1.bin': new URL('../weights/daek-s/model.e6075da3.shard1of1.bin', import.meta.url)},
  }),
};

/** The URLs of a preset's shipped files (file: URLs in Node, http(s) in a bundle); null when none ship. */
export function shippedFiles(model: string): ShippedFiles | null {
  return SHIPPED_WEIGHTS[model] && FILES[model] ? FILES[model]() : null;
}

/**
 * The shard URLs of a shipped model.json given by its URL (for the browser loader: a bundler renames the shards,
 * so they are not beside model.json under their manifest names). Undefined for any other URL.
 */
export function shippedShardUrls(modelJsonUrl: string): Readonly<Record<string, string>> | undefined {
  for (const model of Object.keys(FILES)) {
    const files = FILES[model]!();
    if (files.modelJson.href === modelJsonUrl) {
      return Object.fromEntries(Object.entries(files.shards).map(([name, url]) => [name, url.href]));
    }
  }
  return undefined;
}

/**
 * Where a preset's shipped weights are: a file path in Node, a URL that a bundler copied beside the bundle
 * elsewhere (browsers fetch it). Null when none ship for it.
 */
export async function shippedWeights(model: string): Promise<string | null> {
  const files = shippedFiles(model);
  if (!files) return null;
  if (files.modelJson.protocol !== 'file:') return files.modelJson.href;
  const {fileURLToPath, existsSync} = nodeFileSystem(`The ${model} weights that ship with @daek/models`);
  const file = fileURLToPath(files.modelJson);
  if (!existsSync(file)) {
    throw new Error(`createInterpolator: the ${model} weights that ship with @daek/models are missing (${file}). ` +
      'Reinstall @daek/models, or pass weights.');
  }
  return file;
}
