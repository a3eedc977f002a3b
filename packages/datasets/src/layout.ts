// Checks of a dataset's folder layout, and reading one triplet of image files, with errors that name
// the path at fault and say what was expected.
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {access} from 'node:fs/promises';
import {SampleError} from './dataset.js';
import {readImage, type RgbImage} from './image.js';
import type {ListLine} from './list-entry.js';
import type {RawTriplet} from './sample.js';

/** Throw unless `dir` is an existing folder; the message describes the layout the loader expected. */
export function requireDirectory(dir: string, dataset: string, expected: string): void {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new Error(`${dataset}: expected the dataset root as a folder path, received ${JSON.stringify(dir)}. Expected layout: ${expected}`);
  }
  if (!existsSync(dir)) throw new Error(`${dataset}: dataset root not found: ${dir}. Expected layout: ${expected}`);
  if (!statSync(dir).isDirectory()) throw new Error(`${dataset}: dataset root is not a folder: ${dir}. Expected layout: ${expected}`);
}

/** Non-empty, trimmed lines of a list file, with their line numbers. */
export function readListLines(file: string, dataset: string, expected: string): ListLine[] {
  if (!existsSync(file)) throw new Error(`${dataset}: list file not found: ${file}. Expected layout: ${expected}`);
  if (!statSync(file).isFile()) throw new Error(`${dataset}: list file is not a file: ${file}. Expected layout: ${expected}`);
  return readFileSync(file, 'utf8').split(/\r?\n/).map((text, i) => ({text: text.trim(), line: i + 1}))
      .filter((line) => line.text.length > 0);
}

/** Non-empty, trimmed lines of a list file. */
export function readListFile(file: string, dataset: string, expected: string): string[] {
  return readListLines(file, dataset, expected).map((line) => line.text);
}

/** Names of the sub-folders of `dir`, sorted by code unit (Python's `sorted` on ASCII names). */
export function listSubdirectories(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether a file exists (async). */
export async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Paths of one triplet's files. */
export interface TripletPaths {
  frame0: string;
  gt: string;
  frame1: string;
  reference?: string;
}

async function readOne(file: string, id: string): Promise<RgbImage> {
  try {
    return await readImage(file);
  } catch (error) {
    throw new SampleError(`sample ${id}: ${(error as Error).message}`, file, id);
  }
}

/**
 * Decode a triplet's files concurrently and check that they share one size.
 *
 * @throws SampleError naming the path of a missing or corrupt file, or of a frame whose size differs.
 */
export async function readTripletFiles(paths: TripletPaths, meta: {id: string; t: number; frames?: readonly [number, number, number]}):
    Promise<RawTriplet> {
  const {id} = meta;
  const settled = await Promise.allSettled([
    readOne(paths.frame0, id), readOne(paths.gt, id), readOne(paths.frame1, id),
    paths.reference ? readOne(paths.reference, id) : Promise.resolve(undefined),
  ]);
  // Report the first failure in frame order, not whichever decode failed first: the message is deterministic.
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const [frame0, gt, frame1, reference] = settled.map((r) => (r as PromiseFulfilledResult<RgbImage | undefined>).value) as
    [RgbImage, RgbImage, RgbImage, RgbImage | undefined];
  const named: [string, string, RgbImage | undefined][] = [
    ['gt', paths.gt, gt], ['frame1', paths.frame1, frame1], ['reference', paths.reference ?? '', reference],
  ];
  for (const [name, file, image] of named) {
    if (image && (image.width !== frame0.width || image.height !== frame0.height)) {
      throw new SampleError(`sample ${id}: ${name} ${file} is ${image.width}x${image.height} but frame0 ${paths.frame0} ` +
          `is ${frame0.width}x${frame0.height}; the frames of a triplet must have one size`, file, id);
    }
  }
  const raw: RawTriplet = {frame0, gt, frame1, t: meta.t, id};
  if (reference) raw.reference = reference;
  if (meta.frames) raw.frames = meta.frames;
  return raw;
}
