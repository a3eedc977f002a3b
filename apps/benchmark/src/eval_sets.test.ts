import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {checkSet, snuFilmSet, vimeoSet} from './eval_sets.js';
import {patternImage, removeFolder, temporaryFolder, writePng} from '../test/helpers.js';

let root: string;
beforeAll(async () => {
  root = temporaryFolder();
  for (const f of ['im1.png', 'im2.png', 'im3.png']) await writePng(path.join(root, 'vimeo', 'sequences', '00001', '0001', f), patternImage(8, 8, 1));
  for (const f of ['1.png', '2.png', '3.png']) await writePng(path.join(root, 'snu', 'set', 'a', f), patternImage(8, 8, 1));
  mkdirSync(path.join(root, 'etc'));
});
afterAll(() => removeFolder(root));

describe('checkSet: list entries outside the dataset root', () => {
  it('are reported as rejected (with the list file, line and entry), not as missing', () => {
    const vimeo = path.join(root, 'vimeo');
    writeFileSync(path.join(vimeo, 'tri_testlist.txt'), '00001/0001\n../../etc/passwd\n');
    const error = (() => { try { checkSet(vimeoSet(vimeo)); } catch (e) { return e as Error; } return null; })();
    expect(error?.message).toMatch(/--vimeo .*: rejected: .*tri_testlist\.txt line 2: entry "\.\.\/\.\.\/etc\/passwd" has a '\.\.' component/);
    expect(error?.message).not.toMatch(/missing/);

    const snu = path.join(root, 'snu');
    writeFileSync(path.join(snu, 'test-hard.txt'), `set/a/1.png set/a/2.png set/a/3.png\nset/a/1.png ${path.join(root, 'etc', 'x.png')} set/a/3.png\n`);
    expect(() => checkSet(snuFilmSet(snu, 'hard'))).toThrow(/--snu-film .*: rejected: .*test-hard\.txt line 2: entry ".*etc\/x\.png" is an absolute path/);
    writeFileSync(path.join(snu, 'test-hard.txt'), 'set/a/1.png set/a/2.png set/a/3.png\n');
    expect(() => checkSet(snuFilmSet(snu, 'hard'))).not.toThrow();
  });
});
