/** Something that can be written to, like `process.stderr`. */
export interface ProgressStream {
  /** Write text. */
  write(text: string): unknown;
  /** True on a terminal. */
  isTTY?: boolean;
  /** Terminal width. */
  columns?: number;
}

/** Format seconds as `42s`, `3m05s`, `1h02m` or `2d03h` (`?` when not finite). */
export function formatDuration(seconds: number): string;

/** The lock file's name inside a locked folder (`.daek-lock`). */
export const LOCK_FILE: string;

/** Who holds a folder's lock, as stored in its lock file. */
export interface LockHolder {
  /** `daek-folder-lock`. */
  format: string;
  /** The holder's process id. */
  pid: number;
  /** The holder's host name. */
  host: string;
  /** When it took the lock (ISO time). */
  started: string;
  /** How it was started, e.g. `daek-train --resume --out runs/a`. */
  command: string;
  /** Linux: the process's start time in clock ticks since boot (tells a reused pid apart); null elsewhere. */
  startTicks: string | null;
}

/** A held lock. */
export interface FolderLock {
  /** The lock file. */
  file: string;
  /** This process, as recorded in it. */
  holder: LockHolder;
  /** Remove the lock (also done when the process exits normally). */
  release(): void;
}

/** A lock's holder in words: `pid 123 on host h (started 2026-…: daek-train --out x)`. */
export function describeHolder(holder: LockHolder): string;

/** Thrown by {@link lockFolder} when another live process holds the folder; the message names it. */
export class FolderLockedError extends Error {
  /** The locked folder. */
  folder: string;
  /** Its holder. */
  holder: LockHolder;
  /** @param folder the folder @param holder its holder */
  constructor(folder: string, holder: LockHolder);
}

/**
 * Lock `folder` (created if missing) against a second writer, or throw {@link FolderLockedError} naming the process
 * that holds it (pid, host, start time, command). A lock left by a killed process on this host is stale and taken
 * over. Released by `release()` or when the process exits normally.
 */
export function lockFolder(folder: string, options?: {command?: string}): Promise<FolderLock>;

/** A folder's lock holder, or null when it is not locked. */
export function readLock(folder: string): LockHolder | null;

/**
 * Explain an error thrown while writing `file`: a read-only place says "read-only" (also where Node's recursive
 * mkdir reports ENOENT), a full disk says "no space left" and names the file. Other errors come back unchanged.
 */
export function explainWriteError(error: unknown, file: string): unknown;

/** Run `write` (which writes `file`) and rethrow its errors through {@link explainWriteError}. */
export function writing<T>(file: string, write: () => Promise<T>): Promise<T>;
