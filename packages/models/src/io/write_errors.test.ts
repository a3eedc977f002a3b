import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as realFs from 'node:fs/promises';
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {nodeFileHandler} from './node_file_handler.js';
import {registerNodeFileSystem} from './node_fs.js';
import {explainWriteError, makeFolder} from './write_errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), {code});

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'daek-write-')); });
afterAll(() => {
  registerNodeFileSystem({fs: realFs, existsSync, fileURLToPath});
  rmSync(dir, {recursive: true, force: true});
});

/** Save a one-tensor model through nodeFileHandler with `fs` in place of node:fs/promises. */
async function saveWith(fs: typeof realFs, location: string): Promise<unknown> {
  registerNodeFileSystem({fs, existsSync, fileURLToPath});
  try {
    const handler = nodeFileHandler(location);
    await handler.save!({modelTopology: {}, weightSpecs: [{name: 'w', shape: [2], dtype: 'float32'}],
      weightData: new Float32Array([1, 2]).buffer});
    return null;
  } catch (error) {
    return error;
  } finally {
    registerNodeFileSystem({fs: realFs, existsSync, fileURLToPath});
  }
}

describe('write errors name the problem (issue 13, item 8)', () => {
  it('a read-only output folder says "read-only", where recursive mkdir would report ENOENT', async () => {
    const readOnly = path.join(dir, 'ro');
    await realFs.mkdir(readOnly);
    // A read-only mount: recursive mkdir reports ENOENT, a plain mkdir EROFS, and nothing can be written.
    const fs = {...realFs,
      mkdir: async (p: string, options?: {recursive?: boolean}) => {
        if (p.startsWith(readOnly)) throw errno(options?.recursive ? 'ENOENT' : 'EROFS');
        return realFs.mkdir(p, options);
      },
      writeFile: async (p: string, data: Uint8Array | string) => {
        if (p.startsWith(readOnly)) throw errno('EROFS');
        return realFs.writeFile(p, data);
      },
    } as typeof realFs;
    const target = path.join(readOnly, 'a', 'b');
    const error = await saveWith(fs, target);
    expect((error as Error).message).toMatch(new RegExp(`cannot write .*${path.join('ro', 'a', 'b')}.*: the folder .*ro is read-only`));
    // An existing read-only folder: the write itself fails.
    const direct = await saveWith(fs, readOnly);
    expect((direct as Error).message).toMatch(/the folder .*ro is read-only or not writable \(EROFS\)/);
  });

  it('a full disk (ENOSPC) names the file being written and leaves no temporary file', async () => {
    const target = path.join(dir, 'full');
    const fs = {...realFs,
      writeFile: async (p: string, data: Uint8Array | string) => {
        await realFs.writeFile(p, String(data).slice(0, 1)); // a partial write, then the disk is full
        throw errno('ENOSPC');
      },
    } as typeof realFs;
    const error = await saveWith(fs, target);
    expect((error as Error).message).toMatch(/cannot write .*full\/model\.[0-9a-f]+\.shard1of1\.bin: no space left on the device \(ENOSPC\)/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('makeFolder creates nested folders, and explainWriteError leaves other errors alone', async () => {
    await makeFolder(realFs, path.join(dir, 'x', 'y', 'z'));
    expect(existsSync(path.join(dir, 'x', 'y', 'z'))).toBe(true);
    await realFs.writeFile(path.join(dir, 'file'), '');
    await expect(makeFolder(realFs, path.join(dir, 'file', 'sub'))).rejects.toThrow(/file is a file, not a folder/);
    const other = errno('EIO');
    expect(explainWriteError(other, '/a/b')).toBe(other);
    expect((explainWriteError(errno('EDQUOT'), '/a/b.bin') as Error).message).toMatch(/cannot write \/a\/b\.bin: no space left/);
  });
});
