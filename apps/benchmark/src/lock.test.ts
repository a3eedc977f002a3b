// A result folder has one writer (issue 13): a second daek-bench on the same --out is refused, naming the process
// that holds it, and a run that ends (or fails) releases the folder.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import os from 'node:os';
import path from 'node:path';
import {lockFolder, readLock} from '@daek/cli-support';
import {parseCommandLine} from './args.js';
import {runBench} from './run.js';
import {removeFolder, temporaryFolder} from '../test/helpers.js';

let root: string;
beforeAll(() => {
  root = temporaryFolder();
});
afterAll(() => removeFolder(root));

describe('the result folder lock', () => {
  it('refuses a second writer with the holder named, and is released after a run', async () => {
    const out = path.join(root, 'locked');
    const parsed = parseCommandLine(['runtime', '--method', 'average', '--sizes', '64x64', '--runs', '1', '--warmup', '0',
      '--backend', 'cpu', '--quiet', '--out', out]);
    if (parsed.help) throw new Error('unexpected help');
    const lock = await lockFolder(out, {command: 'daek-bench (test holder)'});
    try {
      await expect(runBench(parsed.options)).rejects.toThrow(
        new RegExp(`in use by another process: pid ${process.pid} on host ${os.hostname()} \\(started .*: daek-bench \\(test holder\\)\\)`));
    } finally {
      lock.release();
    }
    await runBench(parsed.options);
    expect(readLock(out)).toBeNull();
  }, 60_000);
});
