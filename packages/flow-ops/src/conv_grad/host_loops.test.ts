import {describe, expect, it} from '@jest/globals';
import {axisPhases, type ConvGeometry} from './geometry.js';
import {col2im, im2colTransposed, phaseLayoutSize, toPhaseLayout, transpose2d} from './host_loops.js';

function geometry(over: Partial<ConvGeometry>): ConvGeometry {
  const g = {batch: 2, inHeight: 7, inWidth: 8, inChannels: 3, outChannels: 2, filterHeight: 3, filterWidth: 3,
    strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, outHeight: 0, outWidth: 0, ...over};
  // Forward output size with the given leading pads and as much trailing padding as the leading.
  g.outHeight = over.outHeight ?? Math.floor((g.inHeight + 2 * g.padTop - g.filterHeight) / g.strideHeight) + 1;
  g.outWidth = over.outWidth ?? Math.floor((g.inWidth + 2 * g.padLeft - g.filterWidth) / g.strideWidth) + 1;
  return g;
}

const ramp = (n: number) => Float32Array.from({length: n}, (_, i) => (i * 7919 % 1000) / 100 - 5);

/** The input value a tap of an output pixel reads, 0 outside the input. */
function tapValue(x: Float32Array, g: ConvGeometry, n: number, ky: number, kx: number, c: number): number {
  const ox = n % g.outWidth, oy = Math.floor(n / g.outWidth) % g.outHeight, b = Math.floor(n / (g.outWidth * g.outHeight));
  const iy = oy * g.strideHeight + ky - g.padTop, ix = ox * g.strideWidth + kx - g.padLeft;
  if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) return 0;
  return x[((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c];
}

const GEOMETRIES: Partial<ConvGeometry>[] = [
  {},
  {strideHeight: 2, strideWidth: 2},
  {strideHeight: 3, strideWidth: 2, filterHeight: 4, filterWidth: 5, padTop: 2, padLeft: 0, inWidth: 9},
  {filterHeight: 7, filterWidth: 7, padTop: 3, padLeft: 3, strideHeight: 2, strideWidth: 2, inChannels: 1},
  {filterHeight: 1, filterWidth: 1, padTop: 0, padLeft: 0, strideHeight: 2, strideWidth: 2, inChannels: 20},
  {padTop: 0, padLeft: 0, inChannels: 17}, // 'valid': output rows shorter than input rows
];

describe('im2colTransposed', () => {
  it.each(GEOMETRIES.map((o) => [JSON.stringify(o), o] as const))('matches the definition in chunks: %s', (_, over) => {
    const g = geometry(over);
    const {filterHeight: kh, filterWidth: kw, inChannels: C} = g;
    const x = ramp(g.batch * g.inHeight * g.inWidth * C);
    const xT = new Float32Array(C * phaseLayoutSize(g).plane);
    toPhaseLayout(x, xT, g);
    const pixels = g.batch * g.outHeight * g.outWidth;
    for (const chunk of [pixels, 5, g.outWidth]) {
      for (let n0 = 0; n0 < pixels; n0 += chunk) {
        const len = Math.min(chunk, pixels - n0);
        const col = new Float32Array(kh * kw * C * len);
        im2colTransposed(xT, col, g, n0, len);
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            for (let c = 0; c < C; c++) {
              for (let j = 0; j < len; j++) {
                expect(col[((ky * kw + kx) * C + c) * len + j]).toBe(tapValue(x, g, n0 + j, ky, kx, c));
              }
            }
          }
        }
      }
    }
  });
});

describe('col2im', () => {
  it.each(GEOMETRIES.map((o) => [JSON.stringify(o), o] as const))('is the adjoint of im2col: %s', (_, over) => {
    const g = geometry(over);
    const {filterHeight: kh, filterWidth: kw, inChannels: C} = g;
    const pixels = g.batch * g.outHeight * g.outWidth, patch = kh * kw * C;
    const col = ramp(pixels * patch);
    const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * C);
    col2im(col.subarray(0, 4 * patch), dx, g, 0, 4);
    col2im(col.subarray(4 * patch), dx, g, 4, pixels - 4);
    const expected = new Float64Array(dx.length);
    for (let n = 0; n < pixels; n++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          for (let c = 0; c < C; c++) {
            // Add col onto the position tapValue reads, found by reading a one-hot input.
            const ox = n % g.outWidth, oy = Math.floor(n / g.outWidth) % g.outHeight, b = Math.floor(n / (g.outWidth * g.outHeight));
            const iy = oy * g.strideHeight + ky - g.padTop, ix = ox * g.strideWidth + kx - g.padLeft;
            if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
            expected[((b * g.inHeight + iy) * g.inWidth + ix) * C + c] += col[n * patch + (ky * kw + kx) * C + c];
          }
        }
      }
    }
    dx.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  });
});

describe('transpose2d', () => {
  it('transposes a row range', () => {
    const src = ramp(70 * 3);
    const dst = new Float32Array(3 * 65);
    transpose2d(src, dst, 5, 65, 3);
    for (let r = 0; r < 65; r++) for (let c = 0; c < 3; c++) expect(dst[c * 65 + r]).toBe(src[(5 + r) * 3 + c]);
  });
});

describe('axisPhases', () => {
  it('splits a 3-tap, stride-2, pad-1 axis into its two phases', () => {
    // dX[2m] = dy[m]·w1; dX[2m+1] = dy[m]·w2 + dy[m+1]·w0.
    expect(axisPhases(8, 3, 2, 1, 4)).toEqual([
      {phase: 0, count: 4, taps: [1], padBefore: 0, padAfter: 0},
      {phase: 1, count: 4, taps: [2, 0], padBefore: 0, padAfter: 1},
    ]);
  });

  it('reports phases without taps (1x1 stride 2)', () => {
    expect(axisPhases(6, 1, 2, 0, 3).map((p) => p.taps)).toEqual([[0], []]);
  });
});
