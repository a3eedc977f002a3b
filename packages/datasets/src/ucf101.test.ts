import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {existsSync, rmSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks} from '@daek/testing';
import {readImage} from './image.js';
import {disposeTriplet} from './sample.js';
import {openUcf101} from './ucf101.js';
import {randomImage, removeTemporaryFolder, sameBytes, SHARED_DATA, temporaryFolder, writePng} from '../test/helpers.js';

let root: string;
const IDS = ['1', '1001', '21', '3']; // code-unit order, as Python's sorted
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = temporaryFolder();
  for (const [i, id] of ['3', '21', '1', '1001'].entries()) {
    for (const [k, name] of ['frame_00', 'frame_01_gt', 'frame_02', 'frame_01_ours'].entries()) {
      if (name === 'frame_01_ours' && id === '21') continue;
      await writePng(path.join(root, id, `${name}.png`), randomImage(5, 5, i * 10 + k));
    }
  }
});
afterAll(() => removeTemporaryFolder(root));

describe('openUcf101', () => {
  it('reads every folder in sorted order as frame_00, frame_01_gt (t = 0.5), frame_02', async () => {
    const data = openUcf101(root);
    expect(data.ids).toEqual(IDS);
    const order = ['3', '21', '1', '1001'];
    for await (const raw of data.rawSamples()) {
      const i = order.indexOf(raw.id);
      expect(sameBytes(raw.frame0.data, randomImage(5, 5, i * 10).data)).toBe(true);
      expect(sameBytes(raw.gt.data, randomImage(5, 5, i * 10 + 1).data)).toBe(true);
      expect(sameBytes(raw.frame1.data, randomImage(5, 5, i * 10 + 2).data)).toBe(true);
      expect(raw.reference).toBeUndefined();
    }
  });

  it("exposes DVF's frame_01_ours as the reference: required, or where present", async () => {
    const present = openUcf101(root, {reference: 'if-present'});
    const refs: Record<string, boolean> = {};
    for await (const raw of present.rawSamples()) refs[raw.id] = raw.reference !== undefined;
    expect(refs).toEqual({'1': true, '1001': true, '21': false, '3': true});
    expect(sameBytes((await present.read(0)).reference!.data, randomImage(5, 5, 23).data)).toBe(true);
    const required = openUcf101(root, {reference: true});
    await expect(required.read(2)).rejects.toThrow(`image not found: ${path.join(root, '21', 'frame_01_ours.png')}`);
    for await (const s of openUcf101(root, {reference: true, limit: 1})) {
      expect(s.reference!.shape).toEqual([5, 5, 3]);
      disposeTriplet(s);
    }
    await expectNoLeaks(async () => { for await (const s of openUcf101(root, {reference: 'if-present'})) disposeTriplet(s); });
  });

  it('names a missing root with the expected layout, and a missing frame', async () => {
    expect(() => openUcf101(path.join(root, 'x'))).toThrow(/ucf101-dvf: dataset root not found: .*Expected layout: <root>\/<id>\/frame_00\.png/);
    const broken = temporaryFolder();
    try {
      await writePng(path.join(broken, '7', 'frame_00.png'), randomImage(2, 2, 1));
      await expect(openUcf101(broken).read(0)).rejects.toThrow(`image not found: ${path.join(broken, '7', 'frame_01_gt.png')}`);
    } finally {
      rmSync(broken, {recursive: true, force: true});
    }
  });
});

const sample = path.join(SHARED_DATA, 'ucf101-dvf-sample');
const real = existsSync(sample) ? describe : describe.skip;
if (!existsSync(sample)) console.log(`[datasets] real UCF101 tests skipped: ${sample} is absent`);

real('openUcf101 on the real 100-triplet sample (shared/data)', () => {
  it('reads all 100 triplets, 256x256, with the reference, matching the files byte for byte', async () => {
    const data = openUcf101(sample, {reference: true, prefetch: 6});
    expect(data.length).toBe(100);
    expect(data.ids!.slice(0, 4)).toEqual(['1', '1001', '1041', '1071']);
    let n = 0;
    for await (const raw of data.rawSamples()) {
      for (const image of [raw.frame0, raw.gt, raw.frame1, raw.reference!]) expect([image.width, image.height]).toEqual([256, 256]);
      if (n % 25 === 0) {
        const direct = await readImage(path.join(sample, raw.id, 'frame_01_gt.png'));
        expect(sameBytes(raw.gt.data, direct.data)).toBe(true);
      }
      // the intermediate frame lies between its neighbours: closer to their mean than frame0 is to frame1
      let gtToMean = 0, ends = 0;
      const [g, a, b] = [raw.gt.data, raw.frame0.data, raw.frame1.data];
      for (let i = 0; i < g.length; i++) {
        const m = g[i] - (a[i] + b[i]) / 2, e = a[i] - b[i]; // no Math.abs: global lookups are slow under jest
        gtToMean += m < 0 ? -m : m;
        ends += e < 0 ? -e : e;
      }
      expect(gtToMean).toBeLessThanOrEqual(ends);
      n++;
    }
    expect(n).toBe(100);
  });
});
