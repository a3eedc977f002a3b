import type {RgbImage} from '@daek/datasets';
import {tiledMiddle} from './tiles.js';

function randomImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return {data, width, height};
}

describe('tiledMiddle', () => {
  it('covers the frame with feathered tiles: a per-pixel model gives the same frame as untiled', async () => {
    const sizes: string[] = [];
    const average = async (a: RgbImage, b: RgbImage): Promise<RgbImage> => {
      sizes.push(`${a.width}x${a.height}`);
      return {data: a.data.map((x, i) => Math.round((x + b.data[i]!) / 2)), width: a.width, height: a.height};
    };
    const a = randomImage(150, 100, 1);
    const b = randomImage(150, 100, 2);
    const whole = await average(a, b);
    sizes.length = 0;
    const tiled = await tiledMiddle(average, {size: 64, overlap: 16})(a, b);
    expect(sizes.length).toBe(3 * 2);
    expect(new Set(sizes)).toEqual(new Set(['64x64']));
    expect(Buffer.from(tiled.data).equals(Buffer.from(whole.data))).toBe(true);
  });

  it('blends across seams: two tiles that disagree meet in a ramp, not a step', async () => {
    let call = 0;
    const constant = async (a: RgbImage): Promise<RgbImage> => ({data: new Uint8Array(a.data.length).fill(call++ === 0 ? 0 : 200), width: a.width, height: a.height});
    const a = randomImage(100, 64, 3);
    const out = await tiledMiddle(constant, {size: 64, overlap: 20})(a, a);
    const row = Array.from({length: 100}, (_, x) => out.data[x * 3]!);
    expect(row[0]).toBe(0);
    expect(row[99]).toBe(200);
    for (let x = 1; x < 100; x++) expect(row[x]! - row[x - 1]!).toBeLessThanOrEqual(25); // no jump
  });

  it('refuses tiles too small or overlaps too wide', () => {
    const f = async (a: RgbImage): Promise<RgbImage> => a;
    expect(() => tiledMiddle(f, {size: 32, overlap: 8})).toThrow(/tile size/);
    expect(() => tiledMiddle(f, {size: 64, overlap: 32})).toThrow(/overlap/);
  });
});
