import {describe, expect, it} from '@jest/globals';
import {nchwToNhwc, nhwcToNchw} from './executor.js';

describe('host layout conversions', () => {
  it('moves NHWC element (b, y, x, c) to NCHW (b, c, y, x) and back', () => {
    const shape = [2, 3, 4, 5] as const; // B, H, W, C
    const nhwc = Float32Array.from({length: 2 * 3 * 4 * 5}, (_, i) => i);
    const nchw = nhwcToNchw(nhwc, shape);
    for (let b = 0; b < 2; b++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 5; c++) {
      expect(nchw[((b * 5 + c) * 3 + y) * 4 + x]).toBe(nhwc[((b * 3 + y) * 4 + x) * 5 + c]);
    }
    expect(Array.from(nchwToNhwc(nchw, [2, 5, 3, 4]))).toEqual(Array.from(nhwc));
  });
});
