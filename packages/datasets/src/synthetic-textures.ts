// `daek-data export --synthetic-textures DIR`: the images below a folder, as layer textures of the synthetic
// scenes (FlyingChairs-style layered motion of real image content). Listing is deterministic (sorted paths), a
// subset is a seeded sample, and nothing outside DIR is read: symbolic links below DIR are refused.
import {readdirSync, realpathSync, statSync} from 'node:fs';
import {realpath} from 'node:fs/promises';
import path from 'node:path';
import type {ExportedTextures} from './export.js';
import {readImage, type RgbImage} from './image.js';
import {createRandom, deriveSeed, shuffledIndices} from './random.js';

/** File extensions read as textures (compared in lower case). */
export const TEXTURE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** Without `--synthetic-texture-count`, a folder with more images than this is refused (they would all be decoded). */
export const MAX_DEFAULT_TEXTURES = 500;

/** Decoded texture bytes (width * height * 3 per image) above which loading stops with an error. */
export const MAX_TEXTURE_BYTES = 2 * 1024 ** 3;

/** Seed stream of the texture sample. */
const TEXTURE_STREAM = 0x54455854;

const FLAG = '--synthetic-textures';

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function inside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * The image files below `dir` (recursive), as paths relative to it with `/` separators, sorted by code unit.
 * @throws Error when `dir` is missing or not a folder, when a symbolic link lies below it (a link could reach
 *   files outside it, a test set for instance), or when it holds no .png / .jpg / .jpeg file.
 */
export function listTextureFiles(dir: string): string[] {
  if (typeof dir !== 'string' || dir === '') throw new Error(`${FLAG}: expected a folder, received ${JSON.stringify(dir)}.`);
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    throw new Error(`${FLAG} ${dir}: folder not found.`);
  }
  if (!stat.isDirectory()) throw new Error(`${FLAG} ${dir}: not a folder.`);
  const files: string[] = [];
  const walk = (relative: string) => {
    const here = path.join(dir, relative);
    for (const entry of readdirSync(here, {withFileTypes: true})) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        throw new Error(`${FLAG} ${dir}: ${child} is a symbolic link; texture folders must hold plain files and folders, ` +
            'so that no image outside the folder (a test set, say) can be used. Copy the images in instead.');
      }
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && TEXTURE_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) files.push(child);
    }
  };
  walk('');
  if (files.length === 0) throw new Error(`${FLAG} ${dir}: no image (${TEXTURE_EXTENSIONS.join(', ')}) in the folder or below it.`);
  return files.sort(byCodeUnit);
}

/**
 * The files to use: all of them when `count` is undefined (at most {@link MAX_DEFAULT_TEXTURES}), else a sample of
 * `count` drawn without replacement from a stream of `seed`, returned in path order. Same files and seed, same
 * choice.
 */
export function selectTextureFiles(files: readonly string[], count: number | undefined, seed: number, dir = 'DIR'): string[] {
  if (count === undefined) {
    if (files.length > MAX_DEFAULT_TEXTURES) {
      throw new Error(`${FLAG} ${dir}: ${files.length} images, more than ${MAX_DEFAULT_TEXTURES} to decode into memory at ` +
          'once; pass --synthetic-texture-count N to use a seeded sample of N of them (e.g. 200).');
    }
    return [...files];
  }
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`--synthetic-texture-count: expected an integer >= 1, got ${count}.`);
  if (count > files.length) {
    throw new Error(`--synthetic-texture-count ${count}: ${dir} holds only ${files.length} image${files.length === 1 ? '' : 's'}.`);
  }
  const chosen = shuffledIndices(files.length, createRandom(deriveSeed(seed, TEXTURE_STREAM))).slice(0, count);
  return chosen.sort((a, b) => a - b).map((i) => files[i]!);
}

/** What {@link loadSyntheticTextures} returns. */
export interface LoadedTextures {
  /** The decoded images, in the order of `source.files`. */
  images: RgbImage[];
  /** Where they came from (recorded in export.json). */
  source: ExportedTextures;
}

/**
 * List, select ({@link selectTextureFiles}) and decode the texture images below `dir`. Each file's real path is
 * checked to be inside the folder's real path again when it is read.
 * @throws Error (naming the flag) on any problem, including decoded images above {@link MAX_TEXTURE_BYTES} in all.
 */
export async function loadSyntheticTextures(dir: string, options: {count?: number; seed: number}): Promise<LoadedTextures> {
  const all = listTextureFiles(dir);
  const files = selectTextureFiles(all, options.count, options.seed, dir);
  const root = realpathSync(dir);
  const images: RgbImage[] = [];
  let bytes = 0;
  for (const file of files) {
    const full = path.join(root, ...file.split('/'));
    const real = await realpath(full).catch((error: Error) => {
      throw new Error(`${FLAG} ${dir}: cannot read ${file} (${error.message}).`);
    });
    if (real !== full || !inside(root, real)) {
      throw new Error(`${FLAG} ${dir}: ${file} resolves to ${real}, outside the folder or through a symbolic link; refused.`);
    }
    let image: RgbImage;
    try {
      image = await readImage(full);
    } catch (error) {
      throw new Error(`${FLAG} ${dir}: ${(error as Error).message}`);
    }
    bytes += image.data.length;
    if (bytes > MAX_TEXTURE_BYTES) {
      throw new Error(`${FLAG} ${dir}: the ${files.length} chosen images take more than ${MAX_TEXTURE_BYTES / 1024 ** 3} GiB ` +
          `decoded (over the limit at ${file}, ${image.width}x${image.height}); pass a smaller --synthetic-texture-count.`);
    }
    images.push(image);
  }
  return {images, source: {folder: path.resolve(dir), count: files.length, available: all.length, files}};
}
