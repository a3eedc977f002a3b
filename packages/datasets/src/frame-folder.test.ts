import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {openFrameFolder} from './frame-folder.js';
import type {PassSummary, SkippedSample} from './dataset.js';
import type {RgbImage} from './image.js';
import type {RawTriplet} from './sample.js';
import {randomImage, removeTemporaryFolder, sameBytes, solidImage, temporaryFolder, writePng} from '../test/helpers.js';

let dir: string;
/** A colour ramp moving right by two pixels a frame. */
function moving(n: number): RgbImage {
  const w = 48, h = 32;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set([((x + 2 * n) * 4) % 256, y * 6, 100], (y * w + x) * 3);
  }
  return {data, width: w, height: h};
}
/** Frames 1..9 as clip_0001.png ...; 1-5 a moving ramp, 6-9 nearly the same red: a scene cut at 6. */
const frameImage = (n: number) => n <= 5 ? moving(n) : solidImage(48, 32, [250, 64 + n, 5]);

beforeAll(async () => {
  dir = temporaryFolder();
  for (let n = 1; n <= 9; n++) await writePng(path.join(dir, 'clip', `clip_${String(n).padStart(4, '0')}.png`), frameImage(n));
  writeFileSync(path.join(dir, 'clip', 'notes.txt'), 'not a frame');
});
afterAll(() => removeTemporaryFolder(dir));

async function collect(data: ReturnType<typeof openFrameFolder>): Promise<RawTriplet[]> {
  const out: RawTriplet[] = [];
  for await (const raw of data.rawSamples()) out.push(raw);
  return out;
}

describe('openFrameFolder', () => {
  it('numbers frames by the digits in their names and cuts triplets of consecutive frames', async () => {
    const data = openFrameFolder(path.join(dir, 'clip'), {sceneCut: false});
    expect(data.length).toBe(7);
    expect(data.ids![0]).toBe('clip/f0002');
    const triplets = await collect(data);
    expect(triplets.map((t) => t.frames)).toEqual([1, 2, 3, 4, 5, 6, 7].map((s) => [s, s + 1, s + 2]));
    for (const t of triplets) {
      expect(sameBytes(t.frame0.data, frameImage(t.frames![0]).data)).toBe(true);
      expect(sameBytes(t.gt.data, frameImage(t.frames![1]).data)).toBe(true);
      expect(sameBytes(t.frame1.data, frameImage(t.frames![2]).data)).toBe(true);
    }
  });

  it('drops triplets across a scene cut and counts them', async () => {
    let summary: PassSummary | undefined;
    const triplets = await collect(openFrameFolder(path.join(dir, 'clip'), {onSummary: (s) => { summary = s; }}));
    expect(triplets.map((t) => t.frames![0])).toEqual([1, 2, 3, 6, 7]);
    expect(summary).toMatchObject({yielded: 5, sceneCuts: [6], droppedAtSceneCuts: 2});
  });

  it('takes gap, stride, first, starts and exclude; exclusions are known up front', async () => {
    const spaced = openFrameFolder(path.join(dir, 'clip'), {gap: 2, stride: 2, first: 2, sceneCut: false});
    expect((await collect(spaced)).map((t) => t.frames)).toEqual([[2, 4, 6], [4, 6, 8]]);
    let summary: PassSummary | undefined;
    const chosen = openFrameFolder(path.join(dir, 'clip'), {exclude: [[4, 4]], sceneCut: false, onSummary: (s) => { summary = s; }});
    expect(chosen.length).toBe(4); // 2..4, 3..5 and 4..6 touch frame 4
    await collect(chosen);
    expect(summary).toMatchObject({excluded: 3, yielded: 4});
    const explicit = openFrameFolder(path.join(dir, 'clip'), {starts: [5, 1], sceneCut: false, shuffle: true, seed: 3});
    expect([...explicit.ids!].sort()).toEqual(['clip/f0002', 'clip/f0006']);
  });

  it('names a frame missing from the numbering, and skips it when asked', async () => {
    const gappy = path.join(dir, 'gappy');
    for (const n of [10, 11, 13, 14]) await writePng(path.join(gappy, `${n}.png`), randomImage(3, 3, n));
    const strict = openFrameFolder(gappy, {sceneCut: false});
    expect(strict.ids).toEqual(['gappy/f0011', 'gappy/f0012', 'gappy/f0013']);
    await expect(strict.read(0)).rejects.toThrow(/sample gappy\/f0011: frame 12 is missing from .*gappy \(frames found: 4 numbered 10\.\.14\)/);
    const skipped: SkippedSample[] = [];
    const lenient = openFrameFolder(gappy, {sceneCut: false, onError: 'skip', onSkip: (s) => skipped.push(s), onSummary: () => undefined});
    expect(await collect(lenient)).toHaveLength(0);
    expect(skipped.map((s) => s.id)).toEqual(['gappy/f0011', 'gappy/f0012', 'gappy/f0013']);
  });

  it('rejects a folder without frames, unnumbered frames and clashing numbers, naming the files', async () => {
    expect(() => openFrameFolder(path.join(dir, 'none'))).toThrow(/dataset root not found: .*none\. Expected layout: one folder of image files/);
    const odd = path.join(dir, 'odd');
    await writePng(path.join(odd, 'cover.png'), randomImage(2, 2, 1));
    expect(() => openFrameFolder(odd)).toThrow(/frame file without a number in its name: .*cover\.png/);
    const clash = path.join(dir, 'clash');
    await writePng(path.join(clash, 'a_1.png'), randomImage(2, 2, 1));
    await writePng(path.join(clash, 'b_001.png'), randomImage(2, 2, 1));
    expect(() => openFrameFolder(clash)).toThrow(/two files have frame number 1: .*a_1\.png and .*b_001\.png/);
    expect(() => openFrameFolder(path.join(dir, 'clip'), {extensions: ['.jpg']})).toThrow(/no frames \(\.jpg\) in/);
  });
});
