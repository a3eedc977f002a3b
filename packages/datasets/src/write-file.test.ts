import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as realFs from 'node:fs/promises';
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {writeImage} from './image.js';
import {writeFileAtomic, type WriteFs} from './write-file.js';
import {randomImage} from '../test/helpers.js';

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), {code});

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'daek-write-')); });
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('writing files: errors that say what happened (issue 13, item 8)', () => {
  it('a read-only folder says "read-only" (a recursive mkdir would report ENOENT), also for an existing folder', async () => {
    const readOnly = path.join(dir, 'ro');
    await realFs.mkdir(readOnly);
    const fs: WriteFs = {...realFs,
      mkdir: (async (p: string, options?: {recursive?: boolean}) => {
        if (p.startsWith(readOnly)) throw errno(options?.recursive ? 'ENOENT' : 'EROFS');
        return realFs.mkdir(p, options);
      }) as WriteFs['mkdir'],
      writeFile: (async (p: string, data: Uint8Array) => {
        if (p.startsWith(readOnly)) throw errno('EROFS');
        return realFs.writeFile(p, data);
      }) as WriteFs['writeFile'],
    };
    const file = path.join(readOnly, 'a', 'frame.png');
    await expect(writeFileAtomic(file, new Uint8Array(3), fs)).rejects.toThrow(
        new RegExp(`cannot write ${file}: the folder ${readOnly} is read-only or not writable \\(EROFS\\)`));
    await expect(writeFileAtomic(path.join(readOnly, 'b.png'), new Uint8Array(3), fs)).rejects.toThrow(/ro is read-only/);
  });

  it('a full disk names the file being written and leaves no temporary file', async () => {
    const fs: WriteFs = {...realFs,
      writeFile: (async (p: string) => {
        await realFs.writeFile(p, 'x'); // partly written, then the disk is full
        throw errno('ENOSPC');
      }) as WriteFs['writeFile'],
    };
    const file = path.join(dir, 'full', 'frame.png');
    await expect(writeFileAtomic(file, new Uint8Array(3), fs)).rejects.toThrow(
        `cannot write ${file}: no space left on the device (ENOSPC)`);
    expect(readdirSync(path.join(dir, 'full'))).toEqual([]);
  });

  it('writeImage into a folder the system refuses (/proc) says read-only instead of ENOENT', async () => {
    if (process.platform !== 'linux' || !existsSync('/proc/self')) return;
    await expect(writeImage('/proc/daek-no-such-folder/x/frame.png', randomImage(2, 2, 1))).rejects.toThrow(
        /cannot write image \/proc\/daek-no-such-folder\/x\/frame\.png: the folder \/proc is read-only/);
  });
});
