// Writing the result folder: each file goes to a temporary name beside its target and is renamed, the temporary
// file is removed when anything fails, and the error says in words what went wrong with which file (a read-only
// folder, a full disk) rather than a bare errno.
import {mkdirSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {explainWriteError} from '@daek/cli-support';

/** A result file or folder could not be written; `message` names it and the cause. */
export class ResultWriteError extends Error {
  /** The file or folder that could not be written. */
  readonly file: string;
  /** The system error code (`EACCES`, `EROFS`, `ENOSPC`, ...), when there was one. */
  readonly code?: string;

  constructor(message: string, file: string, code?: string) {
    super(message);
    this.name = 'ResultWriteError';
    this.file = file;
    this.code = code;
  }
}

/**
 * A {@link ResultWriteError} for a failed write of `file` (`what` says what it is, e.g. "the report"). Read-only
 * places and full disks are put in words by @daek/cli-support's `explainWriteError` (which also catches Node's
 * ENOENT from a recursive mkdir under a read-only folder); anything else keeps its own message.
 */
export function describeWriteError(error: unknown, file: string, what: string): ResultWriteError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // the message names `file`, not the temporary file beside it that the system error mentions
  const plain = code === undefined ? error : Object.assign(new Error((error as Error).message), {code});
  const explained = explainWriteError(plain, file);
  if (explained === plain) {
    const detail = error instanceof Error ? error.message : String(error);
    return new ResultWriteError(`cannot write ${what} ${file}: ${detail}; choose another folder with --out`, file, code);
  }
  return new ResultWriteError(`${what}: ${(explained as Error).message}`, file, code);
}

/**
 * Create the result folder `dir` (and its parents).
 *
 * @throws ResultWriteError naming the folder and saying "read-only" or "no space left" where that is the cause.
 */
export function ensureFolder(dir: string): void {
  try {
    mkdirSync(dir, {recursive: true});
  } catch (error) {
    throw describeWriteError(error, dir, 'the result folder');
  }
}

/**
 * Write `content` to `file` through a temporary file beside it, renamed at the end; the temporary file is
 * removed when the write or the rename fails.
 *
 * @throws ResultWriteError naming the file and the cause.
 */
export function writeAtomically(file: string, content: string | Uint8Array, what = 'the result file'): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, {force: true});
    } catch {
      // the folder refuses even that: the error below names it
    }
    throw describeWriteError(error, file, what);
  }
}
