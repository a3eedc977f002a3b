import type {RgbImage} from '@daek/datasets';
import {gridIndex, PairBisection} from './bisection.js';
import {emptyStats, PairFrames} from './pair.js';

const frame = (v: number): RgbImage => ({data: new Uint8Array(3 * 4).fill(v), width: 2, height: 2});
/** Exact midpoint in floats carried through byte 0 (values chosen to stay integers). */
const average = async (a: RgbImage, b: RgbImage): Promise<RgbImage> => ({data: a.data.map((x, i) => (x + b.data[i]!) / 2), width: 2, height: 2});

describe('PairBisection', () => {
  it('reaches t = k/16 exactly by bisection and computes every grid frame once', async () => {
    const pair = new PairBisection(frame(0), frame(160), 4, average);
    expect((await pair.atTime(0.25)).data[0]).toBe(40);
    expect((await pair.atTime(0.75)).data[0]).toBe(120);
    expect(pair.passes).toBe(3); // 1/2, then 1/4 and 3/4; 1/2 reused
    expect((await pair.atTime(0.5)).data[0]).toBe(80);
    expect(pair.passes).toBe(3);
    expect((await pair.atTime(0.3)).data[0]).toBe(50); // 0.3 -> 5/16, 4 passes deep (1/2, 1/4, 3/8, 5/16)
    expect(pair.passes).toBe(5);
  });

  it('rounds t to the 2^-depth grid: at most 1/32 of an interval off at depth 4', () => {
    for (let k = 0; k <= 1000; k++) {
      const t = k / 1000;
      expect(Math.abs(gridIndex(t, 4) / 16 - t)).toBeLessThanOrEqual(1 / 32 + 1e-12);
    }
  });

  it('--multi 4 needs three passes per pair', async () => {
    let calls = 0;
    const counted = async (a: RgbImage, b: RgbImage): Promise<RgbImage> => { calls++; return average(a, b); };
    const stats = emptyStats();
    const pair = new PairFrames(frame(0), frame(160), {depth: 4, sceneThreshold: null, sceneCut: 'duplicate'}, counted, stats);
    for (const t of [0, 0.25, 0.5, 0.75]) await pair.at(t);
    expect(calls).toBe(3);
    expect(stats).toMatchObject({interpolated: 3, passes: 3, keptInputFrames: 1});
  });

  it('identical frames are copied without the network', async () => {
    let calls = 0;
    const counted = async (a: RgbImage, b: RgbImage): Promise<RgbImage> => { calls++; return average(a, b); };
    const stats = emptyStats();
    const pair = new PairFrames(frame(7), frame(7), {depth: 4, sceneThreshold: 0.3, sceneCut: 'duplicate'}, counted, stats);
    expect((await pair.at(0.5)).data[0]).toBe(7);
    expect(calls).toBe(0);
    expect(stats.identical).toBe(1);
  });
});
