// Output safety: never the input, never overwritten without --overwrite, in a folder that can be written, and
// written to a temporary name that is renamed at the end.
import {accessSync, constants, existsSync, statSync} from 'node:fs';
import path from 'node:path';
import {InterpError} from './errors.js';

/** Check an input file exists. @throws InterpError (input-not-found). */
export function checkInput(file: string, what = 'input'): void {
  if (!existsSync(file)) throw new InterpError('input-not-found', `${what} not found: ${file}`);
}

/** Whether two paths name the same file (same path, or same device and inode). */
export function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  if (!existsSync(a) || !existsSync(b)) return false;
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Check that `output` may be written.
 *
 * @throws InterpError output-is-input, output-exists (without `overwrite`), unwritable-output.
 */
export function checkOutput(output: string, inputs: string[], overwrite: boolean): void {
  for (const input of inputs) {
    if (sameFile(input, output)) throw new InterpError('output-is-input', `the output ${output} is the input; choose another output name`);
  }
  if (existsSync(output) && !overwrite) {
    throw new InterpError('output-exists', `${output} exists; pass --overwrite to replace it, or choose another name`);
  }
  checkWritableFolder(path.dirname(path.resolve(output)));
}

/** @throws InterpError (unwritable-output) when the folder is missing or cannot be written. */
export function checkWritableFolder(folder: string): void {
  let at = folder;
  while (!existsSync(at)) {
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  try {
    if (!statSync(at).isDirectory()) throw new Error('not a folder');
    accessSync(at, constants.W_OK);
  } catch (error) {
    throw new InterpError('unwritable-output', `cannot write to ${folder} (${(error as Error).message}); choose an output in a writable folder`);
  }
}

/** A temporary name beside `file` with the same extension (so ffmpeg picks the same container). */
export function temporaryName(file: string): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `.${path.basename(file, ext)}.daek-tmp-${process.pid}${ext}`);
}
