// Errors of writing files that say what happened: a read-only folder says "read-only" (Node's recursive mkdir
// reports ENOENT there, or loops on some read-only mounts, so folders are created one level at a time), and a
// full disk names the file being written. No node:* import: the file system comes in as an argument.

/** What {@link makeFolder} needs of `node:fs/promises`. */
export interface FolderFs {
  /** `fs.mkdir` (called without `recursive`). */
  mkdir(path: string): Promise<unknown>;
  /** `fs.stat`. */
  stat(path: string): Promise<{isDirectory(): boolean}>;
}

const READ_ONLY_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

function codeOf(error: unknown): string | undefined {
  const code = (error as {code?: unknown} | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The folder part of a path (`/` and `\` separators), or null at a root. */
function parentOf(path: string): string | null {
  const trimmed = path.replace(/[/\\]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (cut < 0) return trimmed === '' || trimmed === '.' ? null : '.';
  if (cut === 0) return trimmed.length > 1 ? trimmed.slice(0, 1) : null;
  return trimmed.slice(0, cut);
}

/** The error for a folder that cannot be written to. */
export function readOnlyError(folder: string, target: string, error: unknown): Error {
  const code = codeOf(error) ?? 'unknown error';
  return Object.assign(new Error(`cannot write ${target}: the folder ${folder} is read-only or not writable (${code}); ` +
    'choose an output folder you can write to.'), {code: codeOf(error), cause: error});
}

/**
 * `mkdir -p dir`, one level at a time, so that a read-only parent is reported as such.
 * @param target the file the folder is for, named in errors.
 * @throws Error saying which folder is read-only, or naming a path component that is not a folder.
 */
export async function makeFolder(fs: FolderFs, dir: string, target = dir): Promise<void> {
  const missing: string[] = [];
  let at: string | null = dir;
  while (at !== null) {
    try {
      const stat = await fs.stat(at);
      if (!stat.isDirectory()) throw new Error(`cannot write ${target}: ${at} is a file, not a folder.`);
      break;
    } catch (error) {
      if (codeOf(error) !== 'ENOENT' && codeOf(error) !== 'ENOTDIR') throw error;
      missing.push(at);
      at = parentOf(at);
    }
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    const folder = missing[i]!;
    try {
      await fs.mkdir(folder);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'EEXIST') continue;
      // The parent exists (it was found or just made): ENOENT here means a file system that refuses new entries.
      if (code === 'ENOENT' || READ_ONLY_CODES.has(code ?? '')) throw readOnlyError(parentOf(folder) ?? folder, target, error);
      if (code !== undefined && FULL_CODES.has(code)) throw fullError(folder, error);
      throw error;
    }
  }
}

function fullError(file: string, error: unknown): Error {
  return Object.assign(new Error(`cannot write ${file}: no space left on the device (${codeOf(error)}); free some space or ` +
    'choose another output folder. The partial file was removed.'), {code: codeOf(error), cause: error});
}

/**
 * The error to throw when writing `file` (through a temporary file beside it) failed: a full disk names the
 * file, a read-only folder says so; anything else is returned unchanged.
 */
export function explainWriteError(error: unknown, file: string): unknown {
  const code = codeOf(error);
  if (code === undefined) return error;
  if (FULL_CODES.has(code)) return fullError(file, error);
  if (READ_ONLY_CODES.has(code)) return readOnlyError(parentOf(file) ?? '.', file, error);
  return error;
}
