// A folder lock for the command-line apps: one writer per output folder (a training run, a benchmark's results).
// The lock is a small JSON file naming its holder (pid, host, start time, command). It is created atomically
// (written under a temporary name, then hard-linked to its real name, which fails if the name exists), so a
// reader never sees half a lock. A lock whose holder is gone (same host, and the pid is dead or is now another
// process, told apart by its start time in /proc) is stale and taken over; a lock from another host is never
// taken over, since its holder cannot be checked from here.
import {readFileSync, unlinkSync} from 'node:fs';
import {link, mkdir, readFile, rename, unlink, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The lock file's name inside a locked folder. */
export const LOCK_FILE = '.daek-lock';

const FORMAT = 'daek-folder-lock';

/** Linux: the start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null elsewhere. */
function processStartTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may contain spaces: count fields after its closing one
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM'; // it exists, owned by someone else
  }
}

/** A lock's holder in words: `pid 123 on host h (started 2026-…: daek-train --out x)`. */
export function describeHolder(holder) {
  return `pid ${holder.pid} on host ${holder.host} (started ${holder.started}: ${holder.command})`;
}

/** The error thrown when another process holds a folder's lock. */
export class FolderLockedError extends Error {
  /**
   * @param {string} folder
   * @param {object} holder
   */
  constructor(folder, holder) {
    const sameHost = holder.host === os.hostname();
    super(`${folder} is in use by another process: ${describeHolder(holder)}. ` +
      (sameHost ? `Wait for it to finish or stop it (kill ${holder.pid}), then try again.` :
        `It runs on another machine, so it cannot be checked from here; once it is gone, delete ${path.join(folder, LOCK_FILE)}.`));
    this.name = 'FolderLockedError';
    this.folder = folder;
    this.holder = holder;
  }
}

/** Read a folder's lock (null when there is none or it cannot be parsed). */
export function readLock(folder) {
  try {
    const holder = JSON.parse(readFileSync(path.join(folder, LOCK_FILE), 'utf8'));
    return holder && holder.format === FORMAT ? holder : null;
  } catch {
    return null;
  }
}

/** True when `holder` is a process on this host that no longer runs. */
function isStale(holder) {
  if (holder.host !== os.hostname()) return false;
  if (!isAlive(holder.pid)) return true;
  // the pid is in use: by the holder, or (after a reboot or pid wrap-around) by an unrelated process
  const ticks = processStartTicks(holder.pid);
  return holder.startTicks != null && ticks != null && ticks !== holder.startTicks;
}

/**
 * Lock `folder` (created if missing) for this process, or throw {@link FolderLockedError} naming the holder.
 * The lock is released by `release()` and, failing that, when this process exits normally; after a kill it is
 * left behind and taken over as stale by the next caller.
 * @param {string} folder
 * @param {{command?: string}} [options] command: how the holder was started, for the error others get
 * @returns {Promise<{file: string, holder: object, release: () => void}>}
 */
export async function lockFolder(folder, options = {}) {
  const dir = path.resolve(folder);
  await mkdir(dir, {recursive: true});
  const file = path.join(dir, LOCK_FILE);
  const holder = {
    format: FORMAT, pid: process.pid, host: os.hostname(), started: new Date().toISOString(),
    command: options.command ?? [path.basename(process.argv[1] ?? 'node'), ...process.argv.slice(2)].join(' '),
    startTicks: processStartTicks(process.pid),
  };
  const text = `${JSON.stringify(holder)}\n`;
  const temporary = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(temporary, text);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temporary, file);
        break;
      } catch (error) {
        if (error.code !== 'EEXIST' || attempt > 5) throw error;
      }
      let current = null;
      try {
        current = await readFile(file, 'utf8');
      } catch (error) {
        if (error.code === 'ENOENT') continue; // released meanwhile
        throw error;
      }
      let other = null;
      try {
        other = JSON.parse(current);
      } catch {
        // torn or foreign content: only a writer killed between creating and filling could leave this, and we
        // never do that (the lock is linked complete), so it is not ours to judge: treat as held
      }
      if (!other || other.format !== FORMAT) {
        throw new Error(`${file} exists but is not a daek lock; delete it if no daek command is using ${dir}.`);
      }
      if (!isStale(other)) throw new FolderLockedError(dir, other);
      // Take over a stale lock: move it aside (atomic), check that what moved is the stale one, else put it back.
      const aside = `${file}.stale-${process.pid}`;
      try {
        await rename(file, aside);
      } catch (error) {
        if (error.code === 'ENOENT') continue;
        throw error;
      }
      const moved = await readFile(aside, 'utf8');
      if (moved !== current) await link(aside, file).catch(() => {}); // someone else's fresh lock: restore it
      await unlink(aside);
    }
  } finally {
    await unlink(temporary).catch(() => {});
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readFileSync(file, 'utf8') === text) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return {file, holder, release};
}
