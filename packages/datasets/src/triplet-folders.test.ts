// Triplet folders at any depth: ids are the relative paths in sorted order, missing files are named, and the
// real evaluation triplets of the clips (shared/data) read as 25 samples.
import {describe, expect, it} from '@jest/globals';
import {existsSync, mkdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {openTripletFolders} from './triplet-folders.js';
import {readImage} from './image.js';
import {randomImage, removeTemporaryFolder, sameBytes, SHARED_DATA, temporaryFolder, writePng} from '../test/helpers.js';

describe('openTripletFolders', () => {
  it('finds triplet folders at any depth in sorted order, with their relative paths as ids', async () => {
    const root = temporaryFolder();
    try {
      for (const [i, dir] of ['b/f0002', 'a/f0010', 'a/f0002', 'c'].entries()) {
        mkdirSync(path.join(root, dir), {recursive: true});
        for (const [j, file] of ['frame0.png', 'gt.png', 'frame1.png'].entries()) {
          await writePng(path.join(root, dir, file), randomImage(8, 6, 10 * i + j));
        }
      }
      mkdirSync(path.join(root, 'empty'));
      const data = openTripletFolders(root);
      expect(data.ids).toEqual(['a/f0002', 'a/f0010', 'b/f0002', 'c']);
      const raw = await data.read(2);
      expect([raw.id, raw.t, raw.gt.width, raw.gt.height]).toEqual(['b/f0002', 0.5, 8, 6]);
      expect(sameBytes(raw.gt.data, randomImage(8, 6, 1).data)).toBe(true);
      rmSync(path.join(root, 'c', 'gt.png'));
      await expect(data.read(3)).rejects.toThrow(`image not found: ${path.join(root, 'c', 'gt.png')}`);
      expect(openTripletFolders(root, {files: {frame0: 'gt.png'}}).ids).toEqual(['a/f0002', 'a/f0010', 'b/f0002']);
    } finally {
      removeTemporaryFolder(root);
    }
  });

  it('names the problem when the folder is missing or holds no triplet', () => {
    const root = temporaryFolder();
    try {
      expect(() => openTripletFolders(path.join(root, 'nope'))).toThrow(/dataset root not found/);
      expect(() => openTripletFolders(root)).toThrow(/no folder with frame0\.png below/);
      expect(() => openTripletFolders(root, {maxDepth: 0})).toThrow(/maxDepth/);
    } finally {
      removeTemporaryFolder(root);
    }
  });
});

const clips = path.join(SHARED_DATA, 'video-clips', 'triplets');
const real = existsSync(clips) ? describe : describe.skip;
if (!existsSync(clips)) console.log(`[datasets] real video-clip triplet tests skipped: ${clips} is absent`);

real('openTripletFolders on the evaluation triplets of the real clips (shared/data)', () => {
  it('reads all 25 triplets, 5 per clip, matching the files byte for byte', async () => {
    const data = openTripletFolders(clips);
    expect(data.length).toBe(25);
    expect(data.ids!.slice(0, 2)).toEqual(['balle-jbart/f0013', 'balle-jbart/f0063']);
    const raw = await data.read(data.ids!.indexOf('cockatoo/f0021'));
    expect([raw.gt.width, raw.gt.height]).toEqual([1280, 720]);
    expect(sameBytes(raw.gt.data, (await readImage(path.join(clips, 'cockatoo', 'f0021', 'gt.png'))).data)).toBe(true);
  });
});
