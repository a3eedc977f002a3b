// Errors from writing output files, in words a user can act on. Node's own messages hide the cause in two common
// cases: a recursive mkdir under a read-only folder reports ENOENT (not EACCES), and ENOSPC from a stream or a
// library names no file at all.
import {accessSync, constants, existsSync} from 'node:fs';
import path from 'node:path';

const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The nearest folder at or above `target` that exists. */
function nearestExisting(target) {
  let dir = path.resolve(target);
  while (!existsSync(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dir;
}

function writable(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Explain an error thrown while writing `file` (or creating the folder `file`): a read-only place says
 * "read-only", a full disk says "no space left" and names the file. Other errors come back unchanged.
 * @param {unknown} error
 * @param {string} file what was being written (the error's own `path` wins when it has one)
 * @returns {unknown} an Error with the same `code`, the original as `cause`
 */
export function explainWriteError(error, file) {
  const code = error && typeof error === 'object' ? error.code : undefined;
  if (error && typeof error === 'object' && error.explained) return error;
  const target = path.resolve(error?.path ?? file);
  let message = null;
  if (FULL.has(code)) {
    message = `no space left on the device while writing ${target} (${code}). Free some space, or write to a folder ` +
      'on another disk.';
  } else if (READ_ONLY.has(code)) {
    const dir = existsSync(target) && !writable(target) ? target : nearestExisting(path.dirname(target));
    message = `cannot write ${target}: ${dir} is read-only (${code}). Choose an output folder you can write to, or ` +
      'change its permissions.';
  } else if (code === 'ENOENT') {
    const dir = nearestExisting(target);
    if (!writable(dir)) {
      message = `cannot create ${target}: ${dir} is read-only (Node reports ENOENT). Choose an output folder you ` +
        'can write to, or change its permissions.';
    }
  }
  if (message === null) return error;
  const explained = new Error(message, {cause: error});
  explained.code = code;
  explained.path = target;
  explained.explained = true;
  return explained;
}

/**
 * Run `write` (which writes `file`) and rethrow its errors through {@link explainWriteError}.
 * @template T
 * @param {string} file
 * @param {() => Promise<T>} write
 * @returns {Promise<T>}
 */
export async function writing(file, write) {
  try {
    return await write();
  } catch (error) {
    throw explainWriteError(error, file);
  }
}
