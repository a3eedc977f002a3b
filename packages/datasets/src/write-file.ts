// Writing a file a user cares about: to a temporary name beside it, then renamed. Failures say what happened:
// a read-only folder says "read-only" (Node's recursive mkdir reports ENOENT there, and loops on some
// read-only mounts, so folders are made one level at a time), and a full disk names the file being written.
import * as promises from 'node:fs/promises';
import path from 'node:path';

/** The parts of `node:fs/promises` used here (a parameter so that tests can simulate failing disks). */
export type WriteFs = Pick<typeof promises, 'mkdir' | 'stat' | 'writeFile' | 'rename' | 'rm'>;

const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

function codeOf(error: unknown): string {
  const code = (error as {code?: unknown} | null)?.code;
  return typeof code === 'string' ? code : '';
}

function withCause(message: string, error: unknown): Error {
  return Object.assign(new Error(message), {code: codeOf(error) || undefined, cause: error});
}

/**
 * `mkdir -p dir`, one level at a time.
 * @param target the file the folder is for, named in errors.
 * @throws Error saying which folder is read-only, or which path component is a file.
 */
export async function makeFolder(dir: string, target: string, fs: WriteFs = promises): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      if (!(await fs.stat(at)).isDirectory()) throw new Error(`cannot write ${target}: ${at} is a file, not a folder`);
      break;
    } catch (error) {
      if (codeOf(error) !== 'ENOENT' && codeOf(error) !== 'ENOTDIR') throw error;
      missing.push(at);
      if (path.dirname(at) === at) break;
    }
  }
  for (const folder of missing.reverse()) {
    try {
      await fs.mkdir(folder);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'EEXIST') continue;
      // The parent exists: ENOENT from a plain mkdir means a file system that takes no new entries.
      if (code === 'ENOENT' || READ_ONLY.has(code)) {
        throw withCause(`cannot write ${target}: the folder ${path.dirname(folder)} is read-only or not writable (${code}); ` +
            'choose an output folder you can write to', error);
      }
      if (FULL.has(code)) throw withCause(`cannot write ${target}: no space left on the device (${code}) to create ${folder}`, error);
      throw error;
    }
  }
}

/**
 * Write `bytes` to `file` through a temporary file beside it and a rename, creating parent folders. On failure
 * the temporary file is removed and the error names `file`: "read-only" for a folder that cannot be written,
 * "no space left" for a full disk.
 * @param what a word for messages (`image` gives "cannot write image <file>").
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array | string, fs: WriteFs = promises, what = ''): Promise<void> {
  const target = what ? `${what} ${file}` : file;
  await makeFolder(path.dirname(file), target, fs);
  const temporary = `${file}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await fs.writeFile(temporary, bytes);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, {force: true}).catch(() => undefined);
    const code = codeOf(error);
    if (FULL.has(code)) {
      throw withCause(`cannot write ${target}: no space left on the device (${code}); free some space or choose another ` +
          'output folder (the partial file was removed)', error);
    }
    if (READ_ONLY.has(code)) {
      throw withCause(`cannot write ${target}: the folder ${path.dirname(file)} is read-only or not writable (${code}); ` +
          'choose an output folder you can write to', error);
    }
    throw withCause(`cannot write ${target}: ${(error as Error).message}`, error);
  }
}
