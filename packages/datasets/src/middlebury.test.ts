import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks} from '@daek/testing';
import {openMiddlebury} from './middlebury.js';
import {disposeTriplet} from './sample.js';
import {randomImage, removeTemporaryFolder, sameBytes, SHARED_DATA, temporaryFolder, writePng} from '../test/helpers.js';

let flat: string, official: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  flat = temporaryFolder();
  official = temporaryFolder();
  for (const [i, seq] of ['Walking', 'Beanbags'].entries()) {
    await writePng(path.join(flat, seq, 'frame10.png'), randomImage(6, 5, i * 3));
    await writePng(path.join(flat, seq, 'frame10i11.png'), randomImage(6, 5, i * 3 + 1));
    await writePng(path.join(flat, seq, 'frame11.png'), randomImage(6, 5, i * 3 + 2));
    await writePng(path.join(official, 'other-data', seq, 'frame10.png'), randomImage(6, 5, i * 3));
    await writePng(path.join(official, 'other-gt-interp', seq, 'frame10i11.png'), randomImage(6, 5, i * 3 + 1));
    await writePng(path.join(official, 'other-data', seq, 'frame11.png'), randomImage(6, 5, i * 3 + 2));
  }
  // the official download also has sequences without interpolation ground truth
  await writePng(path.join(official, 'other-data', 'Army', 'frame10.png'), randomImage(6, 5, 99));
  mkdirSync(path.join(flat, 'notes'));
});
afterAll(() => {
  removeTemporaryFolder(flat);
  removeTemporaryFolder(official);
});

describe('openMiddlebury', () => {
  it('reads the flat and the official layouts alike: frame10, frame10i11 (gt), frame11, sequences sorted', async () => {
    for (const root of [flat, official]) {
      const data = openMiddlebury(root);
      expect(data.name).toBe(root === flat ? 'middlebury-other:flat' : 'middlebury-other:official');
      expect(data.ids).toEqual(['Beanbags', 'Walking']);
      for await (const raw of data.rawSamples()) {
        const i = raw.id === 'Walking' ? 0 : 1;
        expect(sameBytes(raw.frame0.data, randomImage(6, 5, i * 3).data)).toBe(true);
        expect(sameBytes(raw.gt.data, randomImage(6, 5, i * 3 + 1).data)).toBe(true);
        expect(sameBytes(raw.frame1.data, randomImage(6, 5, i * 3 + 2).data)).toBe(true);
      }
    }
    await expectNoLeaks(async () => { for await (const s of openMiddlebury(flat)) disposeTriplet(s); });
  });

  it('names a missing root, a root without sequences, and a missing file', async () => {
    expect(() => openMiddlebury(path.join(flat, 'none'))).toThrow(/dataset root not found: .*Expected layout: either the official download/);
    expect(() => openMiddlebury(path.join(flat, 'notes'))).toThrow(/no sequences with interpolation ground truth under/);
    expect(() => openMiddlebury(flat, {layout: 'official'})).toThrow(/dataset root not found: .*other-gt-interp/);
    const partial = temporaryFolder();
    try {
      await writePng(path.join(partial, 'Urban2', 'frame10.png'), randomImage(2, 2, 1));
      await writePng(path.join(partial, 'Urban2', 'frame10i11.png'), randomImage(2, 2, 1));
      await expect(openMiddlebury(partial).read(0)).rejects.toThrow(`image not found: ${path.join(partial, 'Urban2', 'frame11.png')}`);
    } finally {
      removeTemporaryFolder(partial);
    }
  });
});

const real = path.join(SHARED_DATA, 'middlebury-other');
const describeReal = existsSync(real) ? describe : describe.skip;
if (!existsSync(real)) console.log(`[datasets] real Middlebury tests skipped: ${real} is absent`);
const SEQUENCES = ['Beanbags', 'Dimetrodon', 'DogDance', 'Grove2', 'Grove3', 'Hydrangea', 'MiniCooper', 'RubberWhale',
  'Urban2', 'Urban3', 'Venus', 'Walking'];

describeReal('openMiddlebury on the real 12 triplets (shared/data)', () => {
  it('reads all 12 from the files whose checksums SHA256SUMS lists, in both layouts, with identical bytes', async () => {
    const sums = new Map(readFileSync(path.join(real, 'SHA256SUMS'), 'utf8').trim().split('\n')
        .map((line) => line.split(/\s+/)).map(([sum, file]) => [path.normalize(file), sum]));
    for (const seq of SEQUENCES) {
      for (const f of ['frame10', 'frame10i11', 'frame11']) {
        const file = path.join(seq, `${f}.png`);
        expect(createHash('sha256').update(readFileSync(path.join(real, file))).digest('hex')).toBe(sums.get(file));
      }
    }
    // the same files arranged as the official download, through symbolic links
    const linked = temporaryFolder();
    try {
      for (const seq of SEQUENCES) {
        mkdirSync(path.join(linked, 'other-data', seq), {recursive: true});
        mkdirSync(path.join(linked, 'other-gt-interp', seq), {recursive: true});
        symlinkSync(path.join(real, seq, 'frame10.png'), path.join(linked, 'other-data', seq, 'frame10.png'));
        symlinkSync(path.join(real, seq, 'frame11.png'), path.join(linked, 'other-data', seq, 'frame11.png'));
        symlinkSync(path.join(real, seq, 'frame10i11.png'), path.join(linked, 'other-gt-interp', seq, 'frame10i11.png'));
      }
      const flatData = openMiddlebury(real);
      const officialData = openMiddlebury(linked);
      expect(flatData.ids).toEqual(SEQUENCES);
      expect(officialData.ids).toEqual(SEQUENCES);
      const sizes: Record<string, number[]> = {};
      const a = flatData.rawSamples(), b = officialData.rawSamples();
      for (let i = 0; i < 12; i++) {
        const [x, y] = [(await a.next()).value!, (await b.next()).value!];
        expect(x.id).toBe(y.id);
        for (const k of ['frame0', 'gt', 'frame1'] as const) expect(sameBytes(x[k].data, y[k].data)).toBe(true);
        sizes[x.id] = [x.gt.width, x.gt.height];
      }
      expect((await a.next()).done).toBe(true);
      expect(sizes.Beanbags).toEqual([640, 480]);
      expect(sizes.Dimetrodon).toEqual([584, 388]);
      expect(sizes.Venus).toEqual([420, 380]);
    } finally {
      removeTemporaryFolder(linked);
    }
  });
});
