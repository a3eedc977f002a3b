import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {openExportSources} from './export-cli.js';
import type {RgbImage} from './image.js';
import {createSyntheticTriplets} from './synthetic.js';
import {
  listTextureFiles, loadSyntheticTextures, MAX_DEFAULT_TEXTURES, selectTextureFiles,
} from './synthetic-textures.js';
import {randomImage, removeTemporaryFolder, sameBytes, solidImage, temporaryFolder, writePng} from '../test/helpers.js';

const work = temporaryFolder('daek-textures-');
const textures = path.join(work, 'textures');
afterAll(() => removeTemporaryFolder(work));

beforeAll(async () => {
  await writePng(path.join(textures, 'a.png'), randomImage(20, 16, 1));
  await writePng(path.join(textures, 'sub', 'b.PNG'), solidImage(24, 12, [0, 200, 0]));
  await writePng(path.join(textures, 'sub', 'deeper', 'c.png'), randomImage(9, 30, 2));
  writeFileSync(path.join(textures, 'sub', 'notes.txt'), 'not an image');
});

describe('texture folders (--synthetic-textures)', () => {
  it('lists every .png/.jpg/.jpeg below the folder, recursively, sorted by path, and decodes them in that order', async () => {
    expect(listTextureFiles(textures)).toEqual(['a.png', 'sub/b.PNG', 'sub/deeper/c.png']);
    const loaded = await loadSyntheticTextures(textures, {seed: 1});
    expect(loaded.source).toEqual({folder: path.resolve(textures), count: 3, available: 3, files: ['a.png', 'sub/b.PNG', 'sub/deeper/c.png']});
    expect(loaded.images.map((i) => [i.width, i.height])).toEqual([[20, 16], [24, 12], [9, 30]]);
    expect(sameBytes(loaded.images[0]!.data, randomImage(20, 16, 1).data)).toBe(true);
  });

  it('chooses --synthetic-texture-count images deterministically from the seed, in path order', async () => {
    const files = Array.from({length: 2000}, (_, i) => `clip${String(i % 7)}/${String(i).padStart(5, '0')}.png`).sort();
    const chosen = selectTextureFiles(files, 200, 1234);
    expect(selectTextureFiles(files, 200, 1234)).toEqual(chosen);
    expect(chosen).toHaveLength(200);
    expect(new Set(chosen).size).toBe(200);
    expect([...chosen].sort()).toEqual(chosen); // path order
    expect(chosen.every((f) => files.includes(f))).toBe(true);
    expect(selectTextureFiles(files, 200, 1235)).not.toEqual(chosen);
    expect(new Set(chosen.map((f) => f.split('/')[0])).size).toBe(7); // a sample across the folder, not its start
    expect(selectTextureFiles(files, 2000, 3)).toEqual(files);
    const loaded = await loadSyntheticTextures(textures, {count: 2, seed: 9});
    expect(loaded.source.count).toBe(2);
    expect(loaded.source.available).toBe(3);
    expect((await loadSyntheticTextures(textures, {count: 2, seed: 9})).source.files).toEqual(loaded.source.files);
  });

  it('refuses a missing folder, a folder without images, links, too many images and bad counts', async () => {
    expect(() => listTextureFiles(path.join(work, 'nope'))).toThrow(/--synthetic-textures .*nope: folder not found/);
    expect(() => listTextureFiles(path.join(textures, 'a.png'))).toThrow(/not a folder/);
    const empty = path.join(work, 'empty');
    mkdirSync(path.join(empty, 'sub'), {recursive: true});
    writeFileSync(path.join(empty, 'sub', 'list.txt'), 'a.png\n');
    expect(() => listTextureFiles(empty)).toThrow(/--synthetic-textures .*empty: no image \(\.png, \.jpg, \.jpeg\)/);
    await expect(openExportSources(['--out', path.join(work, 'o'), '--synthetic-textures', empty, 'synthetic']))
        .rejects.toThrow(/no image/);

    // a link to an image outside the folder, and a link to a folder outside it
    await writePng(path.join(work, 'test-set', 'secret.png'), solidImage(4, 4, [1, 2, 3]));
    const linked = path.join(work, 'linked');
    await writePng(path.join(linked, 'ok.png'), solidImage(4, 4, [9, 9, 9]));
    symlinkSync(path.join(work, 'test-set', 'secret.png'), path.join(linked, 'evil.png'));
    expect(() => listTextureFiles(linked)).toThrow(/linked: evil\.png is a symbolic link/);
    const linkedDir = path.join(work, 'linked-dir');
    mkdirSync(path.join(linkedDir, 'a'), {recursive: true});
    symlinkSync(path.join(work, 'test-set'), path.join(linkedDir, 'a', 'more'));
    expect(() => listTextureFiles(linkedDir)).toThrow(/linked-dir: a\/more is a symbolic link/);
    await expect(loadSyntheticTextures(linkedDir, {seed: 1})).rejects.toThrow(/symbolic link/);

    const many = Array.from({length: MAX_DEFAULT_TEXTURES + 1}, (_, i) => `${i}.png`);
    expect(() => selectTextureFiles(many, undefined, 1)).toThrow(/501 images, more than 500 .* pass --synthetic-texture-count N/);
    expect(selectTextureFiles(many.slice(1), undefined, 1)).toHaveLength(500);
    await expect(loadSyntheticTextures(textures, {count: 4, seed: 1})).rejects.toThrow(/--synthetic-texture-count 4: .* holds only 3 images/);
    const out = path.join(work, 'o');
    await expect(openExportSources(['--out', out, '--synthetic-texture-count', '2', 'synthetic']))
        .rejects.toThrow(/--synthetic-texture-count needs --synthetic-textures DIR/);
    await expect(openExportSources(['--out', out, '--synthetic-textures', textures, '--synthetic-texture-count', '0', 'synthetic']))
        .rejects.toThrow(/--synthetic-texture-count: expected an integer >= 1, got '0'/);
    await expect(openExportSources(['--out', out, '--synthetic-textures', textures, 'frames:x']))
        .rejects.toThrow(/--synthetic-textures is for the synthetic source/);
  });

  it('renders image-textured scenes to the same bytes on worker threads', async () => {
    const {images} = await loadSyntheticTextures(textures, {seed: 1});
    const options = {seed: 4, count: 3, width: 48, height: 32, textures: images};
    const frames = async (workers: number): Promise<RgbImage[]> => {
      const out: RgbImage[] = [];
      for await (const raw of createSyntheticTriplets({...options, workers}).rawSamples()) out.push(raw.frame0, raw.gt, raw.frame1);
      return out;
    };
    const here = await frames(0);
    const threaded = await frames(2);
    expect(threaded).toHaveLength(9);
    threaded.forEach((f, i) => expect(sameBytes(f.data, here[i]!.data)).toBe(true));
    const procedural = await createSyntheticTriplets({seed: 4, count: 1, width: 48, height: 32}).read(0);
    expect(sameBytes(procedural.gt.data, here[1]!.data)).toBe(false);
  });
});
