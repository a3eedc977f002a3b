// List-file entries (Vimeo-90K's `00001/0001`, SNU-FILM's frame paths) resolve under a dataset root and must
// never leave it: no `..`, no absolute path where the entry is joined as written, no symlink out of the root.
import {existsSync, realpathSync} from 'node:fs';
import {realpath} from 'node:fs/promises';
import path from 'node:path';
import {SampleError} from './dataset.js';

/** The `code` of a {@link ListEntryError}: a list entry refused because it resolves outside its dataset root. */
export const LIST_ENTRY_REJECTED = 'DAEK_LIST_ENTRY_REJECTED';

/** Where a list entry came from, for messages. */
export interface ListEntryOrigin {
  /** The dataset's name in messages (`vimeo-triplet:test`). */
  dataset: string;
  /** The list file. */
  listFile: string;
  /** 1-based line number in the list file. */
  line: number;
  /** The entry as written (one path of an SNU-FILM line, or a Vimeo `00001/0001`). */
  entry: string;
}

/**
 * A list entry that resolves outside its dataset root (a `..` component, an absolute path, or a symlink that
 * leads out of it). It is a {@link SampleError}, so `onError: 'skip'` reports it like any bad sample, and has
 * `code` {@link LIST_ENTRY_REJECTED} so that tools can tell "rejected" from "missing" ({@link isListEntryError}).
 */
export class ListEntryError extends SampleError {
  /** Always {@link LIST_ENTRY_REJECTED}. */
  readonly code = LIST_ENTRY_REJECTED;
  /** The list file. */
  readonly listFile: string;
  /** 1-based line number in the list file. */
  readonly line: number;
  /** The entry as written. */
  readonly entry: string;
  /** The dataset root the entry must stay under. */
  readonly root: string;

  constructor(origin: ListEntryOrigin, root: string, reason: string, file = origin.entry) {
    super(`${origin.dataset}: ${origin.listFile} line ${origin.line}: entry "${origin.entry}" ${reason}, outside the dataset ` +
        `root ${root}: list entries must stay under it. Fix or remove the line.`, file, origin.entry);
    this.name = 'ListEntryError';
    this.listFile = origin.listFile;
    this.line = origin.line;
    this.entry = origin.entry;
    this.root = root;
  }
}

/** Whether `error` is a {@link ListEntryError} (by its `code`, so it also holds across copies of this package). */
export function isListEntryError(error: unknown): error is ListEntryError {
  return typeof error === 'object' && error !== null && (error as {code?: unknown}).code === LIST_ENTRY_REJECTED;
}

/** One line of a list file. */
export interface ListLine {
  /** The trimmed text. */
  text: string;
  /** 1-based line number. */
  line: number;
}

function inside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The components of a listed path, split on both separators (lists written on Windows use `\`). */
export function pathComponents(entry: string): string[] {
  return entry.split(/[\\/]+/).filter((part) => part.length > 0);
}

/**
 * Check an entry lexically: no `..` component anywhere, and (unless `allowAbsolute`, for loaders that keep only
 * the entry's last components) not absolute.
 * @throws ListEntryError naming the list file, line and entry.
 */
export function checkEntryText(origin: ListEntryOrigin, root: string, options: {allowAbsolute?: boolean} = {}): void {
  if (pathComponents(origin.entry).includes('..')) throw new ListEntryError(origin, root, "has a '..' component");
  if (!options.allowAbsolute && (path.isAbsolute(origin.entry) || path.win32.isAbsolute(origin.entry))) {
    throw new ListEntryError(origin, root, 'is an absolute path');
  }
}

/**
 * Resolves list entries under one dataset root, following symlinks: the real path of every resolved file that
 * exists must be inside the root's real path.
 */
export class RootGuard {
  /** The root's real path. */
  private readonly realRoot: string;

  constructor(readonly root: string) {
    this.realRoot = realpathSync(root);
  }

  private escape(origin: ListEntryOrigin, file: string, real: string): ListEntryError {
    return new ListEntryError(origin, this.root, `resolves to ${file}, which is a symbolic link (or passes through one) to ${real}`, file);
  }

  /** Throw unless `file` (absolute, lexically under the root) stays inside once symlinks are followed; no check when it does not exist. */
  checkSync(origin: ListEntryOrigin, file: string): void {
    if (!inside(this.root, file)) throw new ListEntryError(origin, this.root, `resolves to ${file}`, file);
    if (!existsSync(file)) return;
    const real = realpathSync(file);
    if (!inside(this.realRoot, real)) throw this.escape(origin, file, real);
  }

  /** {@link RootGuard.checkSync} for the files of one sample, when they are read. */
  async check(origin: ListEntryOrigin, files: readonly string[]): Promise<void> {
    for (const file of files) {
      if (!inside(this.root, file)) throw new ListEntryError(origin, this.root, `resolves to ${file}`, file);
      let real: string;
      try {
        real = await realpath(file);
      } catch {
        continue; // a missing file is reported by the reader, naming it
      }
      if (!inside(this.realRoot, real)) throw this.escape(origin, file, real);
    }
  }
}
