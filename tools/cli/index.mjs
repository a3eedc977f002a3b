// What the command-line apps share: progress-line helpers, the folder lock (lock.mjs) and write-error messages
// (write-error.mjs). The launcher is @daek/cli-support/launch (launch.mjs). See README.md.

/**
 * Format seconds as `42s`, `3m05s`, `1h02m` or `2d03h` (`?` when not finite).
 * @param {number} seconds
 * @returns {string}
 */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

export {describeHolder, FolderLockedError, LOCK_FILE, lockFolder, readLock} from './lock.mjs';
export {explainWriteError, writing} from './write-error.mjs';
