// Helpers for tests: temporary folders, small deterministic images, the location of the shared real data.
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRandom} from '../src/random.js';
import {writeImage, type RgbImage} from '../src/image.js';

/** A fresh temporary folder; remove it with {@link removeTemporaryFolder}. */
export function temporaryFolder(prefix = 'daek-datasets-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Remove a folder made by {@link temporaryFolder}. */
export function removeTemporaryFolder(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
}

/** A width x height image of seeded random bytes: every pixel differs, so any mix-up shows. */
export function randomImage(width: number, height: number, seed: number): RgbImage {
  const random = createRandom(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = random.integer(0, 256);
  return {data, width, height};
}

/** An image of one colour. */
export function solidImage(width: number, height: number, rgb: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i % 3];
  return {data, width, height};
}

/** Write a PNG (creating folders). */
export async function writePng(file: string, image: RgbImage): Promise<void> {
  await writeImage(file, image);
}

/** The repository root (packages/datasets/test -> repo). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** The shared real data folder, `../shared/data` relative to the repository root (`DAEK_SHARED_DATA` overrides it, to test the skips). */
export const SHARED_DATA = process.env.DAEK_SHARED_DATA ?? path.resolve(REPO_ROOT, '../shared/data');

/** Same bytes? */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
