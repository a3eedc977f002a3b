import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {isListEntryError, LIST_ENTRY_REJECTED, ListEntryError} from './list-entry.js';
import {SampleError} from './dataset.js';
import {openSnuFilm} from './snu-film.js';
import {openVimeoSeptuplet, openVimeoTriplet} from './vimeo.js';
import {randomImage, removeTemporaryFolder, temporaryFolder, writePng} from '../test/helpers.js';

// A dataset root, and a folder beside it with frames that list entries must never reach.
let base: string;
let vimeo: string;
let snu: string;
let outside: string;

beforeAll(async () => {
  base = temporaryFolder('daek-list-entry-');
  vimeo = path.join(base, 'vimeo');
  snu = path.join(base, 'snu');
  outside = path.join(base, 'outside');
  for (let k = 1; k <= 7; k++) {
    await writePng(path.join(vimeo, 'sequences', '00001', '0001', `im${k}.png`), randomImage(4, 4, k));
    await writePng(path.join(outside, 'clip', `im${k}.png`), randomImage(4, 4, 10 + k));
  }
  // A sequence folder that is a symlink out of the root, and one whose frame is a symlinked file out of it.
  symlinkSync(path.join(outside, 'clip'), path.join(vimeo, 'sequences', '00001', '0002'));
  mkdirSync(path.join(vimeo, 'sequences', '00001', '0003'));
  for (let k = 1; k <= 7; k++) {
    await writePng(path.join(vimeo, 'sequences', '00001', '0003', `im${k}.png`), randomImage(4, 4, 20 + k));
  }
  symlinkSync(path.join(outside, 'clip', 'im2.png'), path.join(vimeo, 'sequences', '00001', '0003', 'im2.png.real'));
  // im2.png of 0003 points outside; im1/im3 stay inside.
  const {renameSync, unlinkSync} = await import('node:fs');
  unlinkSync(path.join(vimeo, 'sequences', '00001', '0003', 'im2.png'));
  renameSync(path.join(vimeo, 'sequences', '00001', '0003', 'im2.png.real'), path.join(vimeo, 'sequences', '00001', '0003', 'im2.png'));
  // A symlink that stays inside the root is fine.
  symlinkSync(path.join(vimeo, 'sequences', '00001', '0001'), path.join(vimeo, 'sequences', '00001', '0004'));

  for (const p of ['set/clip/000001.png', 'set/clip/000002.png', 'set/clip/000003.png']) {
    await writePng(path.join(snu, 'frames', p), randomImage(4, 4, 30));
  }
  symlinkSync(path.join(outside, 'clip'), path.join(snu, 'frames', 'set', 'link'));
});
afterAll(() => removeTemporaryFolder(base));

/** Write a list file under `dir` and return its path. */
function list(dir: string, name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The error `fn` throws (synchronously or not). */
async function errorOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('list entries never leave the dataset root', () => {
  it('vimeo triplet: "..", absolute paths and symlinked folders are rejected with the list file, line and entry', async () => {
    const cases: [string, RegExp][] = [
      ['../outside/clip', /has a '\.\.' component/],
      ['00001/../../../outside/clip', /has a '\.\.' component/],
      [path.join(outside, 'clip'), /is an absolute path/],
      ['00001/0002', /is a symbolic link \(or passes through one\) to .*outside.*, outside the dataset root/],
    ];
    for (const [entry, reason] of cases) {
      const file = list(vimeo, 'mine.txt', ['00001/0001', '', entry]);
      const error = await errorOf(() => openVimeoTriplet(vimeo, {list: 'mine.txt'}));
      expect(error).toBeInstanceOf(ListEntryError);
      expect(isListEntryError(error)).toBe(true);
      const e = error as ListEntryError;
      expect(e.code).toBe(LIST_ENTRY_REJECTED);
      expect([e.listFile, e.line, e.entry]).toEqual([file, 3, entry]);
      expect(e.message).toContain(`${file} line 3: entry "${entry}"`);
      expect(e.message).toMatch(reason);
    }
    // An entry inside the root, also through a symlink that stays inside, opens.
    list(vimeo, 'mine.txt', ['00001/0001', '00001/0004']);
    expect(openVimeoTriplet(vimeo, {list: 'mine.txt'}).length).toBe(2);
  });

  it('a frame file that is a symlink out of the root is rejected when read, never decoded', async () => {
    list(vimeo, 'mine.txt', ['00001/0003']);
    const data = openVimeoTriplet(vimeo, {list: 'mine.txt'});
    const error = await errorOf(async () => { for await (const raw of data.rawSamples()) void raw; });
    expect(isListEntryError(error)).toBe(true);
    expect(error).toBeInstanceOf(SampleError); // so that onError: 'skip' reports it like any bad sample
    expect((error as Error).message).toMatch(/mine\.txt line 1: entry "00001\/0003" resolves to .*im2\.png, which is a symbolic link/);
    const skipped: string[] = [];
    const skipping = openVimeoTriplet(vimeo, {list: 'mine.txt', onError: 'skip', onSkip: (s) => skipped.push(s.reason), onSummary: () => {}});
    for await (const raw of skipping.rawSamples()) void raw;
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/outside the dataset root/);
  });

  it('vimeo septuplet, the official split lists too', async () => {
    const file = list(vimeo, 'sep_testlist.txt', ['00001/0001', '../outside/clip']);
    const error = await errorOf(() => openVimeoSeptuplet(vimeo, {split: 'test'}));
    expect(isListEntryError(error)).toBe(true);
    expect((error as Error).message).toContain(`${file} line 2: entry "../outside/clip" has a '..' component`);
    list(vimeo, 'sep_testlist.txt', ['00001/0001']);
    expect(openVimeoSeptuplet(vimeo, {split: 'test'}).length).toBe(5);
  });

  it('SNU-FILM, every path mode: the resolved frame must stay under framesRoot', async () => {
    const framesRoot = path.join(snu, 'frames');
    const good = 'set/clip/000001.png set/clip/000002.png set/clip/000003.png';
    const open = (paths: 'auto' | 'as-listed' | 'last-3') => openSnuFilm(snu, {difficulty: 'hard', framesRoot, paths});
    const cases: [string, ('auto' | 'as-listed' | 'last-3')[], RegExp][] = [
      [`set/clip/000001.png ../../outside/clip/im1.png set/clip/000003.png`, ['auto', 'as-listed', 'last-3'], /"\.\.\/\.\.\/outside\/clip\/im1\.png" has a '\.\.' component/],
      [`${path.join(outside, 'clip', 'im1.png')} set/clip/000002.png set/clip/000003.png`, ['auto', 'as-listed'], /is an absolute path/],
      [`set/clip/000001.png set/link/im2.png set/clip/000003.png`, ['auto', 'as-listed', 'last-3'], /is a symbolic link/],
    ];
    for (const [line, modes, reason] of cases) {
      const file = list(snu, 'test-hard.txt', [good, line]);
      for (const mode of modes) {
        const error = await errorOf(() => open(mode));
        expect([mode, isListEntryError(error)]).toEqual([mode, true]);
        expect((error as Error).message).toContain(`${file} line 2: entry`);
        expect((error as Error).message).toMatch(reason);
      }
    }
    // last-3 keeps only <set>/<clip>/<frame>: an absolute listed path then resolves under framesRoot, and is fine.
    list(snu, 'test-hard.txt', [good, `/somewhere/else/${good.split(' ')[0]} ${good.split(' ').slice(1).join(' ')}`]);
    expect(open('last-3').length).toBe(2);
  });
});
