import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks} from '@daek/testing';
import {disposeTriplet} from './sample.js';
import {openVimeoSeptuplet, openVimeoTriplet} from './vimeo.js';
import type {SkippedSample} from './dataset.js';
import {randomImage, removeTemporaryFolder, sameBytes, temporaryFolder, writePng} from '../test/helpers.js';

let root: string;
let septuplets: string;
const TRAIN = ['00001/0001', '00001/0002', '00002/0001', '00003/0007', '00004/0001', '00004/0002', '00005/0003',
  '00006/0001', '00007/0001', '00008/0001', '00009/0001', '00010/0001', '00011/0001', '00012/0001', '00013/0001',
  '00014/0001', '00015/0001', '00016/0001', '00017/0001', '00018/0001', '00019/0001'];
const TEST = ['00100/0001', '00100/0002', '00101/0005'];
const seedOf = (entry: string, k: number) => Number(entry.replace('/', '')) * 10 + k;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = temporaryFolder();
  writeFileSync(path.join(root, 'tri_trainlist.txt'), TRAIN.join('\n') + '\n');
  writeFileSync(path.join(root, 'tri_testlist.txt'), TEST.join('\r\n') + '\r\n\r\n'); // CRLF and a blank line
  for (const entry of [...TRAIN, ...TEST]) {
    for (const k of [1, 2, 3]) await writePng(path.join(root, 'sequences', entry, `im${k}.png`), randomImage(12, 8, seedOf(entry, k)));
  }
  septuplets = temporaryFolder();
  writeFileSync(path.join(septuplets, 'sep_testlist.txt'), '00001/0001\n00002/0003\n');
  writeFileSync(path.join(septuplets, 'sep_trainlist.txt'), '00003/0001\n');
  for (const entry of ['00001/0001', '00002/0003', '00003/0001']) {
    for (let k = 1; k <= 7; k++) await writePng(path.join(septuplets, 'sequences', entry, `im${k}.png`), randomImage(6, 4, seedOf(entry, k)));
  }
});
afterAll(() => {
  removeTemporaryFolder(root);
  removeTemporaryFolder(septuplets);
});

describe('openVimeoTriplet', () => {
  it('reads the test list in order: im1, im2 (gt, t = 0.5), im3', async () => {
    const data = openVimeoTriplet(root, {split: 'test'});
    expect(data.length).toBe(3);
    expect(data.ids).toEqual(TEST);
    const seen: string[] = [];
    for await (const raw of data.rawSamples()) {
      seen.push(raw.id);
      expect(raw.t).toBe(0.5);
      expect(sameBytes(raw.frame0.data, randomImage(12, 8, seedOf(raw.id, 1)).data)).toBe(true);
      expect(sameBytes(raw.gt.data, randomImage(12, 8, seedOf(raw.id, 2)).data)).toBe(true);
      expect(sameBytes(raw.frame1.data, randomImage(12, 8, seedOf(raw.id, 3)).data)).toBe(true);
    }
    expect(seen).toEqual(TEST);
  });

  it('splits the train list as RIFE does: first 95% train, the rest validation', () => {
    const cut = Math.floor(TRAIN.length * 0.95); // 19 of 21
    expect(openVimeoTriplet(root, {split: 'train'}).ids).toEqual(TRAIN);
    expect(openVimeoTriplet(root, {split: 'rife-train'}).ids).toEqual(TRAIN.slice(0, cut));
    expect(openVimeoTriplet(root, {split: 'rife-validation'}).ids).toEqual(TRAIN.slice(cut));
    writeFileSync(path.join(root, 'mine.txt'), '00004/0002\n');
    expect(openVimeoTriplet(root, {list: 'mine.txt'}).ids).toEqual(['00004/0002']);
  });

  it('gives augmented tensor samples [crop, crop, 3] and does not leak', async () => {
    const data = openVimeoTriplet(root, {split: 'test', augment: {cropSize: 8, seed: 1}});
    for await (const s of data) {
      expect(s.frame0.shape).toEqual([8, 8, 3]);
      disposeTriplet(s);
    }
    await expectNoLeaks(async () => { for await (const s of data) disposeTriplet(s); });
  });

  it('names what is missing: the root (with the expected layout), the list file, a frame', async () => {
    expect(() => openVimeoTriplet(path.join(root, 'nope'))).toThrow(/dataset root not found: .*nope\. Expected layout: .*tri_trainlist\.txt/);
    expect(() => openVimeoTriplet(septuplets, {split: 'test'})).toThrow(/list file not found: .*tri_testlist\.txt/);
    expect(() => openVimeoTriplet(root, {split: 'val' as never})).toThrow(/options.split: expected one of train, test, rife-train, rife-validation/);
    writeFileSync(path.join(root, 'missing.txt'), '00100/0001\n00999/0001\n');
    const data = openVimeoTriplet(root, {list: 'missing.txt'});
    await expect(data.read(1)).rejects.toThrow(`image not found: ${path.join(root, 'sequences', '00999', '0001', 'im1.png')}`);
  });

  it('names a corrupt frame and a frame of another size, and skips them when asked, reporting each', async () => {
    const bad = temporaryFolder();
    try {
      writeFileSync(path.join(bad, 'tri_testlist.txt'), 'a/1\na/2\na/3\n');
      for (const k of [1, 2, 3]) {
        await writePng(path.join(bad, 'sequences/a/1', `im${k}.png`), randomImage(4, 4, k));
        await writePng(path.join(bad, 'sequences/a/2', `im${k}.png`), randomImage(k === 3 ? 5 : 4, 4, k));
        await writePng(path.join(bad, 'sequences/a/3', `im${k}.png`), randomImage(4, 4, k));
      }
      writeFileSync(path.join(bad, 'sequences/a/3/im2.png'), 'not a png');
      const strict = openVimeoTriplet(bad);
      await expect(strict.read(1)).rejects.toThrow(/im3\.png is 5x4 but frame0 .*im1\.png is 4x4/);
      await expect(strict.read(2)).rejects.toThrow(`cannot decode image ${path.join(bad, 'sequences/a/3/im2.png')}`);
      const skipped: SkippedSample[] = [];
      let summary = -1;
      const lenient = openVimeoTriplet(bad, {onError: 'skip', onSkip: (s) => skipped.push(s), onSummary: (s) => { summary = s.skipped.length; }});
      const ids: string[] = [];
      for await (const raw of lenient.rawSamples()) ids.push(raw.id);
      expect(ids).toEqual(['a/1']);
      expect(skipped.map((s) => s.path)).toEqual([path.join(bad, 'sequences/a/2/im3.png'), path.join(bad, 'sequences/a/3/im2.png')]);
      expect(summary).toBe(2);
    } finally {
      rmSync(bad, {recursive: true, force: true});
    }
  });
});

describe('openVimeoSeptuplet', () => {
  it('gives im1 and im7 with targets im2..im6 at t = 1/6 .. 5/6, entry by entry', async () => {
    const data = openVimeoSeptuplet(septuplets);
    expect(data.length).toBe(10);
    const seen: [string, number][] = [];
    for await (const raw of data.rawSamples()) {
      seen.push([raw.id, raw.t]);
      const [entry, im] = [raw.id.slice(0, 10), Number(raw.id.slice(13))];
      expect(sameBytes(raw.frame0.data, randomImage(6, 4, seedOf(entry, 1)).data)).toBe(true);
      expect(sameBytes(raw.gt.data, randomImage(6, 4, seedOf(entry, im)).data)).toBe(true);
      expect(sameBytes(raw.frame1.data, randomImage(6, 4, seedOf(entry, 7)).data)).toBe(true);
    }
    expect(seen.slice(0, 5)).toEqual([2, 3, 4, 5, 6].map((k) => [`00001/0001/im${k}`, (k - 1) / 6]));
    expect(seen[5][0]).toBe('00002/0003/im2');
  });

  it('takes other ends and targets, and checks them', async () => {
    const data = openVimeoSeptuplet(septuplets, {split: 'train', ends: [2, 6], targets: [4]});
    const raw = await data.read(0);
    expect([raw.id, raw.t]).toEqual(['00003/0001/im4', 0.5]);
    expect(sameBytes(raw.frame0.data, randomImage(6, 4, seedOf('00003/0001', 2)).data)).toBe(true);
    expect(() => openVimeoSeptuplet(septuplets, {targets: [1]})).toThrow(/options.targets: expected image numbers strictly between 1 and 7, received \[1\]/);
    expect(() => openVimeoSeptuplet(septuplets, {ends: [1, 8]})).toThrow(/options.ends/);
  });
});
