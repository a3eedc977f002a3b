import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {openSnuFilm} from './snu-film.js';
import {randomImage, removeTemporaryFolder, sameBytes, temporaryFolder, writePng} from '../test/helpers.js';

let root: string;
const LINES = [
  ['GOPRO_test/GOPR0384_11_00/000009.png', 'GOPRO_test/GOPR0384_11_00/000017.png', 'GOPRO_test/GOPR0384_11_00/000025.png'],
  ['YouTube_test/0001/000001.png', 'YouTube_test/0001/000002.png', 'YouTube_test/0001/000003.png'],
];
const seedOf = (p: string) => Number(p.replace(/\D/g, '').slice(-7));

beforeAll(async () => {
  root = temporaryFolder();
  // frames under <root>/frames/test/<set>/<clip>/<frame>.png; the official lists say data/SNU-FILM/test/...
  for (const line of LINES) for (const p of line) await writePng(path.join(root, 'frames', 'test', p), randomImage(7, 3, seedOf(p)));
  const listed = (prefix: string) => LINES.map((l) => l.map((p) => `${prefix}${p}`).join(' ')).join('\n') + '\n';
  mkdirSync(path.join(root, 'lists'));
  writeFileSync(path.join(root, 'lists', 'test-extreme.txt'), listed('data/SNU-FILM/test/'));
  writeFileSync(path.join(root, 'lists', 'test-easy.txt'), listed('test/'));
  writeFileSync(path.join(root, 'lists', 'test-hard.txt'), 'a.png b.png\n');
  writeFileSync(path.join(root, 'lists', 'test-medium.txt'), listed('elsewhere/'));
});
afterAll(() => removeTemporaryFolder(root));

describe('openSnuFilm', () => {
  async function check(data: ReturnType<typeof openSnuFilm>) {
    expect(data.ids).toEqual(LINES.map((l) => l[1]));
    let i = 0;
    for await (const raw of data.rawSamples()) {
      expect(raw.t).toBe(0.5);
      expect(sameBytes(raw.frame0.data, randomImage(7, 3, seedOf(LINES[i][0])).data)).toBe(true);
      expect(sameBytes(raw.gt.data, randomImage(7, 3, seedOf(LINES[i][1])).data)).toBe(true);
      expect(sameBytes(raw.frame1.data, randomImage(7, 3, seedOf(LINES[i][2])).data)).toBe(true);
      i++;
    }
    expect(i).toBe(2);
  }

  it("keeps the last three path components under framesRoot, as AMT does (found automatically)", async () => {
    await check(openSnuFilm(path.join(root, 'lists'), {difficulty: 'extreme', framesRoot: path.join(root, 'frames', 'test')}));
    await check(openSnuFilm(path.join(root, 'lists'), {difficulty: 'extreme', framesRoot: path.join(root, 'frames', 'test'), paths: 'last-3'}));
  });

  it('resolves paths as listed, relative to framesRoot (found automatically)', async () => {
    await check(openSnuFilm(path.join(root, 'lists'), {difficulty: 'easy', framesRoot: path.join(root, 'frames')}));
    const asListed = openSnuFilm(path.join(root, 'lists'), {difficulty: 'easy', framesRoot: path.join(root, 'frames'), paths: 'as-listed'});
    await check(asListed);
  });

  it('says where it looked when the frames cannot be found, and rejects malformed lines and difficulties', async () => {
    expect(() => openSnuFilm(path.join(root, 'lists'), {difficulty: 'medium', framesRoot: root}))
        .toThrow(/cannot find the first frame of .*test-medium\.txt: tried .*elsewhere.*\(as listed\) and .*\(last three components\)/);
    expect(() => openSnuFilm(path.join(root, 'lists'), {difficulty: 'hard'})).toThrow(/test-hard\.txt line 1: expected three paths "I0 GT I1", received 2/);
    expect(() => openSnuFilm(path.join(root, 'lists'), {difficulty: 'insane' as never})).toThrow(/options.difficulty: expected one of easy, medium, hard, extreme/);
    expect(() => openSnuFilm(root, {difficulty: 'easy'})).toThrow(/list file not found: .*test-easy\.txt\. Expected layout/);
    const forced = openSnuFilm(path.join(root, 'lists'), {difficulty: 'medium', framesRoot: root, paths: 'as-listed'});
    await expect(forced.read(0)).rejects.toThrow(`image not found: ${path.join(root, 'elsewhere', LINES[0][0])}`);
  });
});
