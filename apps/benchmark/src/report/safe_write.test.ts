// The result folder's writes: temporary files are removed when a write fails, and the errors say what went wrong
// with which file (read-only folder, full disk).
import {afterAll, describe, expect, it} from '@jest/globals';
import {chmodSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {removeFolder, temporaryFolder} from '../../test/helpers.js';
import {TripletLog} from '../triplet_log.js';
import {describeWriteError, ensureFolder, ResultWriteError, writeAtomically} from './safe_write.js';

const root = temporaryFolder();
afterAll(() => {
  chmodSync(root, 0o755);
  removeFolder(root);
});
const errno = (code: string) => Object.assign(new Error(`${code}: failed`), {code});
const isRoot = process.getuid?.() === 0;

describe('result folder writes', () => {
  it('remove the temporary file when the rename fails, and name the file', () => {
    const dir = path.join(root, 'rename');
    mkdirSync(path.join(dir, 'results.md'), {recursive: true}); // a folder where the file should go
    expect(() => writeAtomically(path.join(dir, 'results.md'), 'text', 'the report')).toThrow(ResultWriteError);
    expect(() => writeAtomically(path.join(dir, 'results.md'), 'text', 'the report'))
        .toThrow(`cannot write the report ${path.join(dir, 'results.md')}: `);
    expect(readdirSync(dir)).toEqual(['results.md']);
    // a system error naming the temporary file is reported against the real one
    const enospc = Object.assign(new Error('ENOSPC: no space left, write'), {code: 'ENOSPC', path: `${path.join(dir, 'results.md')}.123.tmp`});
    expect(describeWriteError(enospc, path.join(dir, 'results.md'), 'the report').message).toContain(`writing ${path.join(dir, 'results.md')} (ENOSPC)`);
  });

  it('say "no space left" with the file, "read-only" for EROFS, and keep other messages', () => {
    const file = path.join(root, 'x', 'results.json');
    const full = describeWriteError(errno('ENOSPC'), file, 'the report');
    expect(full).toBeInstanceOf(ResultWriteError);
    expect(full.message).toBe(`the report: no space left on the device while writing ${file} (ENOSPC). Free some space, or write to a ` +
        'folder on another disk.');
    expect(describeWriteError(errno('EROFS'), file, 'the report').message).toContain(`the report: cannot write ${file}: ${root} is read-only (EROFS)`);
    expect(describeWriteError(errno('EIO'), file, 'the chart').message).toBe(`cannot write the chart ${file}: EIO: failed; choose another folder with --out`);
  });

  (isRoot ? it.skip : it)('name a read-only output folder (permissions; root ignores them)', () => {
    const locked = path.join(root, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      expect(() => ensureFolder(path.join(locked, 'a', 'b'))).toThrow(`${locked} is read-only`);
      expect(() => new TripletLog(path.join(locked, 'triplets.csv'), {resume: false}))
          .toThrow(new RegExp(`^the per-triplet CSV: cannot write .*triplets\\.csv.*: ${locked} is read-only`));
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('name the result folder when a file stands where it should be', () => {
    const blocker = path.join(root, 'blocker');
    writeFileSync(blocker, '');
    expect(() => ensureFolder(path.join(blocker, 'out'))).toThrow(`cannot write the result folder ${path.join(blocker, 'out')}: `);
  });
});
