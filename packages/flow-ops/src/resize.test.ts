import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import {describeWithBackends, expectClose, expectNoLeaks, npyNHWC} from '@daek/testing';
import {clearResizeCache, resizeBilinear, type ResizeOptions} from './resize.js';
import {interpolationMatrix, resizeWithMatrices} from './resize_kernel.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures/parity/resize');
const fixture = (name: string) => npyNHWC(path.join(fixtures, `${name}.npy`));

/**
 * Independent reference: PyTorch's upsample_bilinear2d (align_corners=False) written out per output
 * pixel, in float64 except where ATen rounds to float32 (the source coordinate and λ).
 */
function axisTaps(inSize: number, outSize: number, inverseScale: number, d: number): [number, number, number, number] {
  if (inSize === outSize) return [d, d, 1, 0];
  const src = Math.max(0, Math.fround(Math.fround(inverseScale) * (d + 0.5) - 0.5));
  const i0 = Math.trunc(src);
  const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
  const l1 = Math.fround(src - i0);
  return [i0, i1, Math.fround(1 - l1), l1];
}

interface Geometry { batch: number; height: number; width: number; channels: number; outHeight: number; outWidth: number; invY: number; invX: number }

/** Dense `[outH·outW, H·W]` matrix of the whole 2-D resize, from the per-pixel taps. */
function denseMatrix(g: Geometry): Float64Array {
  const m = new Float64Array(g.outHeight * g.outWidth * g.height * g.width);
  const cols = g.height * g.width;
  for (let oy = 0; oy < g.outHeight; oy++) {
    const [y0, y1, wy0, wy1] = axisTaps(g.height, g.outHeight, g.invY, oy);
    for (let ox = 0; ox < g.outWidth; ox++) {
      const [x0, x1, wx0, wx1] = axisTaps(g.width, g.outWidth, g.invX, ox);
      const row = (oy * g.outWidth + ox) * cols;
      m[row + y0 * g.width + x0] += wy0 * wx0;
      m[row + y0 * g.width + x1] += wy0 * wx1;
      m[row + y1 * g.width + x0] += wy1 * wx0;
      m[row + y1 * g.width + x1] += wy1 * wx1;
    }
  }
  return m;
}

/** `out[b,p,c] = Σ_q M[p,q]·x[b,q,c]`, or with Mᵀ when `transpose` (the gradient). */
function applyDense(m: Float64Array, rows: number, cols: number, x: ArrayLike<number>, batch: number, channels: number,
    transpose: boolean): Float32Array {
  const outN = transpose ? cols : rows;
  const inN = transpose ? rows : cols;
  const out = new Float64Array(batch * outN * channels);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const w = m[r * cols + q];
        if (w === 0) continue;
        const [o, i] = transpose ? [q, r] : [r, q];
        for (let c = 0; c < channels; c++) out[(b * outN + o) * channels + c] += w * x[(b * inN + i) * channels + c];
      }
    }
  }
  return Float32Array.from(out);
}

function geometry(shape: number[], options: ResizeOptions): Geometry {
  const [batch, height, width, channels] = shape;
  if (options.size) {
    const [outHeight, outWidth] = options.size;
    return {batch, height, width, channels, outHeight, outWidth, invY: height / outHeight, invX: width / outWidth};
  }
  const [sy, sx] = typeof options.scale === 'number' ? [options.scale, options.scale] : options.scale;
  const outHeight = Math.floor(height * sy), outWidth = Math.floor(width * sx);
  const recompute = options.recomputeScaleFactor === true;
  return {batch, height, width, channels, outHeight, outWidth,
    invY: recompute ? height / outHeight : 1 / sy, invX: recompute ? width / outWidth : 1 / sx};
}

/** Deterministic pseudo-random values in [0, 1). */
function ramp(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) / 16777216;
  }
  return out;
}

const ODD_CASES: {name: string; shape: number[]; options: ResizeOptions}[] = [
  {name: '17×11 at scale 0.5', shape: [1, 17, 11, 3], options: {scale: 0.5}},
  {name: '17×11 at scale 2', shape: [1, 17, 11, 3], options: {scale: 2}},
  {name: '17×11 to size [5,7]', shape: [1, 17, 11, 3], options: {size: [5, 7]}},
  {name: '17×11 at [0.3, 1.7]', shape: [1, 17, 11, 2], options: {scale: [0.3, 1.7]}},
  {name: '17×11 at 0.5, recomputed', shape: [1, 17, 11, 3], options: {scale: 0.5, recomputeScaleFactor: true}},
  {name: 'batch 2, 9×13 at 0.75', shape: [2, 9, 13, 3], options: {scale: 0.75}},
  {name: '16×24 at 0.5 (fast forward path)', shape: [1, 16, 24, 2], options: {scale: 0.5}},
  {name: 'height kept, width ×2', shape: [1, 5, 6, 1], options: {scale: [1, 2]}},
];

describeWithBackends('resizeBilinear', () => {
  describe('parity with F.interpolate (resize fixture, 1e-6 abs)', () => {
    for (const [suffix, scale] of [['0p25', 0.25], ['0p5', 0.5], ['2', 2], ['4', 4], ['8', 8]] as const) {
      it(`x_scale_${suffix}`, async () => {
        await expectClose(resizeBilinear(fixture('x'), {scale}), fixture(`x_scale_${suffix}`), 1e-6, `scale ${scale}`);
      });
      it(`x_scale_${suffix} through the interpolation matrices`, async () => {
        const x = fixture('x');
        const [, h, w] = x.shape;
        const y = resizeWithMatrices(x, {inHeight: h, inWidth: w, outHeight: Math.floor(h * scale), outWidth: Math.floor(w * scale),
          inverseScaleY: Math.fround(1 / scale), inverseScaleX: Math.fround(1 / scale)});
        await expectClose(y, fixture(`x_scale_${suffix}`), 1e-6, `matrices, scale ${scale}`);
      });
    }
    it('x_scale_0p5_recompute with recomputeScaleFactor, and with size [8,12]', async () => {
      const expected = fixture('x_scale_0p5_recompute');
      await expectClose(resizeBilinear(fixture('x'), {scale: 0.5, recomputeScaleFactor: true}), expected, 1e-6, 'recompute');
      await expectClose(resizeBilinear(fixture('x'), {size: [8, 12]}), expected, 1e-6, 'size');
    });
  });

  it('samples with the given factor, not in/out: 17 px at 0.5 differs from the recomputed factor', async () => {
    const x = tf.tensor4d(ramp(17 * 11 * 3, 3), [1, 17, 11, 3]);
    const given = await resizeBilinear(x, {scale: 0.5}).data();
    const recomputed = await resizeBilinear(x, {scale: 0.5, recomputeScaleFactor: true}).data();
    let maxDiff = 0;
    for (let i = 0; i < given.length; i++) maxDiff = Math.max(maxDiff, Math.abs(given[i] - recomputed[i]));
    expect(maxDiff).toBeGreaterThan(0.05);
    // Row 7 of the output samples input row 14.5 with step 2 (given) but 15.4375 with step 17/8.
  });

  describe('forward and gradient against a dense reference matrix', () => {
    for (const {name, shape, options} of ODD_CASES) {
      it(name, async () => {
        const g = geometry(shape, options);
        const m = denseMatrix(g);
        const rows = g.outHeight * g.outWidth, cols = g.height * g.width;
        const xValues = ramp(shape.reduce((a, b) => a * b), 11);
        const x = tf.tensor4d(xValues, shape as [number, number, number, number]);
        const y = resizeBilinear(x, options);
        expect(y.shape).toEqual([g.batch, g.outHeight, g.outWidth, g.channels]);
        await expectClose(await y.data(), applyDense(m, rows, cols, xValues, g.batch, g.channels, false), 1e-6, 'forward');

        const dyValues = ramp(y.size, 29).map((v) => 2 * v - 1);
        const dy = tf.tensor4d(dyValues, y.shape);
        const dx = tf.grad((t) => resizeBilinear(t as tf.Tensor4D, options))(x, dy);
        expect(dx.shape).toEqual(shape);
        await expectClose(await dx.data(), applyDense(m, rows, cols, dyValues, g.batch, g.channels, true), 1e-5, 'gradient');
      });
    }
  });

  it('gradient matches central finite differences (the op is linear, so a large step is exact)', async () => {
    const shape: [number, number, number, number] = [1, 17, 11, 2];
    const x = tf.tensor4d(ramp(17 * 11 * 2, 5), shape);
    for (const options of [{scale: 0.5}, {scale: 2}, {size: [5, 7]}] as ResizeOptions[]) {
      const y = resizeBilinear(x, options);
      const w = tf.tensor4d(ramp(y.size, 17), y.shape);
      const loss = (t: tf.Tensor) => tf.sum(tf.mul(resizeBilinear(t as tf.Tensor4D, options), w));
      const analytic = await tf.grad(loss)(x).data();
      const step = 64;
      for (const index of [0, 10, 11 * 2 * 8 + 5, 17 * 11 * 2 - 1]) {
        const bump = tf.buffer(shape);
        bump.values[index] = step;
        const up = await loss(tf.add(x, bump.toTensor())).data();
        const down = await loss(tf.sub(x, bump.toTensor())).data();
        const numeric = (up[0] - down[0]) / (2 * step);
        expect(Math.abs(numeric - analytic[index])).toBeLessThan(1e-4);
      }
    }
  });

  it('accepts [H,W,C] and gives the same values as [1,H,W,C]', async () => {
    const x = tf.tensor3d(ramp(17 * 11 * 3, 7), [17, 11, 3]);
    const y3 = resizeBilinear(x, {scale: 0.5});
    expect(y3.shape).toEqual([8, 5, 3]);
    await expectClose(y3, tf.squeeze(resizeBilinear(tf.expandDims(x, 0) as tf.Tensor4D, {scale: 0.5}), [0]), 0, 'rank 3');
    const g = tf.grad((t) => resizeBilinear(t as tf.Tensor3D, {size: [5, 7]}))(x);
    expect(g.shape).toEqual([17, 11, 3]);
  });

  it('copies an axis whose size does not change, as PyTorch does', async () => {
    const x = tf.tensor4d(ramp(10 * 6, 1), [1, 10, 6, 1]);
    // floor(10·1.05) = 10: PyTorch copies even though 1/1.05 ≠ 1.
    await expectClose(resizeBilinear(x, {scale: [1.05, 1]}), x, 0, 'copied');
  });

  it('rejects bad input, naming the argument and what it expected', () => {
    const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    expect(() => resizeBilinear(tf.zeros([4, 4]) as never, {scale: 2})).toThrow(/resizeBilinear: 'x' must have shape \[B,H,W,C\] or \[H,W,C\]; got shape \[4,4\]/);
    expect(() => resizeBilinear(tf.zeros([1, 1, 4, 4, 3]) as never, {scale: 2})).toThrow(/'x' must have shape/);
    expect(() => resizeBilinear(tf.zeros([1, 4, 4, 3], 'int32') as tf.Tensor4D, {scale: 2})).toThrow(/'x' must be float32; got int32/);
    expect(() => resizeBilinear(tf.zeros([1, 0, 4, 3]) as tf.Tensor4D, {scale: 2})).toThrow(/'x' must have no empty axis/);
    expect(() => resizeBilinear([1, 2] as never, {scale: 2})).toThrow(/'x' must be a tf.Tensor/);
    expect(() => resizeBilinear(x, {scale: 0})).toThrow(/'options.scale' must be a finite number > 0 or a pair \[scaleY, scaleX\] of them; got 0/);
    expect(() => resizeBilinear(x, {scale: -2})).toThrow(/'options.scale' must be a finite number > 0/);
    expect(() => resizeBilinear(x, {scale: NaN})).toThrow(/'options.scale' must be a finite number > 0/);
    expect(() => resizeBilinear(x, {scale: Infinity})).toThrow(/'options.scale' must be a finite number > 0/);
    expect(() => resizeBilinear(x, {scale: [1, 2, 3] as never})).toThrow(/'options.scale' must be .* got \[1,2,3\]/);
    expect(() => resizeBilinear(x, {scale: 0.1})).toThrow(/scale \[0.1, 0.1\] turns the 4×4 input into 0×0; the output needs at least 1×1/);
    expect(() => resizeBilinear(x, {size: [2.5, 3]})).toThrow(/'options.size' must be \[outHeight, outWidth\], positive integers; got \[2.5,3\]/);
    expect(() => resizeBilinear(x, {size: [0, 3]})).toThrow(/'options.size' must be/);
    expect(() => resizeBilinear(x, {size: [3]} as never)).toThrow(/'options.size' must be/);
    expect(() => resizeBilinear(x, {scale: 2, size: [3, 3]} as never)).toThrow(/exactly one of 'scale' or 'size'; got both/);
    expect(() => resizeBilinear(x, {} as never)).toThrow(/exactly one of 'scale' or 'size'; got neither/);
    expect(() => resizeBilinear(x, undefined as never)).toThrow(/'options' must be \{scale\} or \{size/);
  });

  describe('leaks no tensors', () => {
    const x = () => tf.tensor4d(ramp(2 * 17 * 11 * 3, 9), [2, 17, 11, 3]);
    it('forward, fast path and matrix path', async () => {
      const input = x();
      await expectNoLeaks(() => resizeBilinear(input, {scale: 0.5}));
      await expectNoLeaks(() => resizeBilinear(input, {size: [8, 4]}));
      const part = tf.slice(input, [0, 0, 0, 0], [1, 16, 10, 3]) as tf.Tensor4D;
      await expectNoLeaks(() => resizeBilinear(part, {scale: 2}));
      await expectNoLeaks(() => tf.tidy(() => resizeBilinear(tf.squeeze(tf.slice(input, 0, 1), [0]) as tf.Tensor3D, {scale: 1.5})));
    });
    it('gradient', async () => {
      const input = x();
      await expectNoLeaks(() => tf.grad((t) => resizeBilinear(t as tf.Tensor4D, {scale: 0.5}))(input));
      await expectNoLeaks(() => tf.grad((t) => resizeBilinear(t as tf.Tensor4D, {scale: [1, 2]}))(input));
      await expectNoLeaks(() => tf.grad((t) => resizeBilinear(t as tf.Tensor4D, {size: [17, 11]}))(input));
    });
  });

  it('clearResizeCache frees the cached matrices, which are rebuilt on demand', async () => {
    const x = tf.tensor4d(ramp(13 * 7, 2), [1, 13, 7, 1]);
    resizeBilinear(x, {scale: 0.5}).dispose();
    const before = tf.memory().numTensors;
    const freed = clearResizeCache();
    expect(freed).toBeGreaterThanOrEqual(2);
    expect(tf.memory().numTensors).toBe(before - freed);
    await expectClose(resizeBilinear(x, {scale: 0.5}), applyDense(denseMatrix(geometry([1, 13, 7, 1], {scale: 0.5})),
        6 * 3, 13 * 7, await x.data(), 1, 1, false), 1e-6, 'after clearing');
  });
});

describe('interpolationMatrix', () => {
  it('has rows summing to 1 and steps by the given factor', () => {
    const m = interpolationMatrix(17, 8, 2);
    for (let r = 0; r < 8; r++) {
      let sum = 0;
      for (let c = 0; c < 17; c++) sum += m[r * 17 + c];
      expect(sum).toBeCloseTo(1, 6);
    }
    // output 7 samples 7.5·2 − 0.5 = 14.5: half of rows 14 and 15
    expect(m[7 * 17 + 14]).toBe(0.5);
    expect(m[7 * 17 + 15]).toBe(0.5);
  });
  it('clamps at both borders (upsampling)', () => {
    const m = interpolationMatrix(3, 6, 0.5);
    expect(Array.from(m.slice(0, 3))).toEqual([1, 0, 0]); // src −0.25 → 0
    expect(Array.from(m.slice(15, 18))).toEqual([0, 0, 1]); // src 2.25 → rows 2 and 2
  });
});
