// Frame averaging: one stated rounding (exact average, halves to even), checked against an integer computation
// written here independently of the method's bit trick, on every pair of byte values.
import {describe, expect, it} from '@jest/globals';
import {patternImage} from '../../test/helpers.js';
import {averageHalfEven, createFrameAverage} from './frame_average.js';

/** The exact average of two bytes rounded half to even, by cases on the remainder. */
function reference(a: number, b: number): number {
  const sum = a + b;
  if (sum % 2 === 0) return sum / 2;
  const below = (sum - 1) / 2; // sum / 2 = below + 0.5 exactly
  return below % 2 === 0 ? below : below + 1;
}

describe('frame averaging', () => {
  it('rounds the exact average half to even for every pair of bytes', () => {
    let mismatches = 0;
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) if (averageHalfEven(a, b) !== reference(a, b)) mismatches++;
    expect(mismatches).toBe(0);
    expect([averageHalfEven(0, 1), averageHalfEven(1, 2), averageHalfEven(2, 3), averageHalfEven(254, 255)]).toEqual([0, 2, 2, 254]);
  });

  it('predicts 8-bit frames equal to the reference, byte for byte', async () => {
    const frame0 = patternImage(37, 23, 1), frame1 = patternImage(37, 23, 2);
    const method = createFrameAverage();
    const pred = await method.predict({frame0, gt: frame0, frame1, t: 0.5, id: 'x'});
    expect(pred.data).toBeInstanceOf(Uint8Array);
    const expected = Uint8Array.from(frame0.data, (v, i) => reference(v, frame1.data[i]));
    expect(pred.data).toEqual(expected);
    expect(method.describe().notes[0]).toContain('rounded half to even');
  });
});
