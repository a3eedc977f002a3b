// Parity of the metrics with RIFE's and AMT's own scripts: the `metrics` case of ../shared/fixtures/parity,
// copied to test/fixtures/metrics (gt.npy, pred.npy and the manifest's scalar outputs).
import {describe, expect, it} from '@jest/globals';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {readNpy} from '@daek/testing';
import {
  interpolationError, psnrFloat, psnrRife, psnrUint8, quantize, roundHalfEven, scoreTriplet, ssimMatlab, type ImageArray,
} from './metrics.js';

const FIXTURE = path.join(import.meta.dirname, '../test/fixtures/metrics');
const expected = JSON.parse(readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as {
  scalar_outputs: {pair: Record<string, number>; 'identical_pair(pred := gt)': Record<string, number | string>};
  suggested_tolerance: {psnr_abs_db: number; ssim_abs: number};
};
const PSNR_TOL = expected.suggested_tolerance.psnr_abs_db;
const SSIM_TOL = expected.suggested_tolerance.ssim_abs;

/** NCHW [1,3,H,W] float32 → interleaved [H,W,3]. */
function toHwc(file: string): ImageArray<Float32Array> {
  const npy = readNpy(path.join(FIXTURE, file));
  const [, c, h, w] = npy.shape;
  const src = npy.data as Float32Array;
  const data = new Float32Array(h * w * c);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) data[p * c + ch] = src[ch * h * w + p];
  return {data, width: w, height: h};
}

const gtFloat = toHwc('gt.npy');
const pred = toHwc('pred.npy');
const gtBytes: ImageArray<Uint8Array> = {...gtFloat, data: Uint8Array.from(gtFloat.data, (v) => Math.round(v * 255))};

function within(actual: number, wanted: number, tol: number, what: string): void {
  if (!(Math.abs(actual - wanted) <= tol)) throw new Error(`${what}: ${actual} vs ${wanted} (tolerance ${tol})`);
}

describe('metrics: parity with RIFE benchmark/Vimeo90K.py, UCF101.py, ssim_matlab and AMT psnr_ssim.py', () => {
  const pair = expected.scalar_outputs.pair;

  it('recovers the fixture gt bytes exactly (gt = float32(k / 255))', () => {
    for (let i = 0; i < gtBytes.data.length; i++) expect(Math.fround(gtBytes.data[i] / 255)).toBe(gtFloat.data[i]);
  });

  it('PSNR on the uint8-rounded prediction matches RIFE (float64 Vimeo90K.py and float32 UCF101.py)', () => {
    const q = {...pred, data: quantize(pred)};
    within(psnrUint8(gtBytes, q), pair.rife_vimeo90k_psnr, PSNR_TOL, 'rife_vimeo90k_psnr');
    within(psnrUint8(gtBytes, q), pair.rife_ucf101_psnr, PSNR_TOL, 'rife_ucf101_psnr');
    within(psnrRife(gtBytes, pred), pair.rife_vimeo90k_psnr, PSNR_TOL, 'psnrRife');
    // far tighter than the tolerance in practice: the sum of squared byte differences is exact
    expect(Math.abs(psnrUint8(gtBytes, q) - pair.rife_vimeo90k_psnr)).toBeLessThan(1e-9);
  });

  it('PSNR on the float prediction matches AMT calculate_psnr', () => {
    within(psnrFloat(gtBytes, pred), pair.amt_psnr, PSNR_TOL, 'amt_psnr');
  });

  it('SSIM matches ssim_matlab: on the rounded prediction, unrounded, and with AMT argument order', () => {
    const q = {...pred, data: Float32Array.from(quantize(pred), (v) => Math.fround(v / 255))};
    within(ssimMatlab(gtFloat, q), pair.rife_vimeo90k_ssim, SSIM_TOL, 'rife_vimeo90k_ssim');
    within(ssimMatlab(gtFloat, q), pair.rife_ucf101_ssim, SSIM_TOL, 'rife_ucf101_ssim');
    within(ssimMatlab(gtFloat, pred), pair.ssim_matlab_gt_pred_unrounded, SSIM_TOL, 'ssim_matlab_gt_pred_unrounded');
    within(ssimMatlab(pred, gtFloat), pair.amt_ssim, SSIM_TOL, 'amt_ssim');
    // and in practice within the float32-vs-float64 difference the fixture measured
    expect(Math.abs(ssimMatlab(gtFloat, pred) - pair.ssim_matlab_gt_pred_unrounded)).toBeLessThan(3e-6);
  });

  it('scoreTriplet gives the RIFE numbers for psnr and ssim and AMT\'s for psnrFloat', () => {
    const s = scoreTriplet(gtBytes, pred);
    within(s.psnr, pair.rife_vimeo90k_psnr, PSNR_TOL, 'psnr');
    within(s.ssim, pair.rife_vimeo90k_ssim, SSIM_TOL, 'ssim');
    within(s.psnrFloat, pair.amt_psnr, PSNR_TOL, 'psnrFloat');
    expect(s.ie).toBeCloseTo(interpolationError(gtBytes, {...pred, data: quantize(pred)}), 12);
  });

  it('identical pair: RIFE raises (math domain error), AMT gives inf, every SSIM is 1', () => {
    const same = expected.scalar_outputs['identical_pair(pred := gt)'];
    expect(same.rife_vimeo90k_psnr).toMatch(/math domain error/);
    expect(() => psnrRife(gtBytes, gtFloat)).toThrow(/math domain error/);
    expect(same.amt_psnr).toBe('inf');
    expect(psnrFloat(gtBytes, gtFloat)).toBe(Infinity);
    expect(psnrUint8(gtBytes, gtBytes)).toBe(Infinity);
    expect(ssimMatlab(gtFloat, gtFloat)).toBeCloseTo(same.ssim_matlab_gt_pred_unrounded as number, 12);
    expect(interpolationError(gtBytes, gtBytes)).toBe(0);
  });
});

describe('metrics: rounding, IE and edge cases', () => {
  it('rounds halves to even after a float32 product, as torch.round(pred * 255)', () => {
    expect([0.5, 1.5, 2.5, 253.5, 254.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, 254, 254, 2, 3]);
    const pred = {data: new Float32Array([0.5 / 255, 1.5 / 255, 2.5 / 255, 1, 1.2, -0.1, 0.9999]), width: 7, height: 1};
    // 7 values is not a 3-channel image: quantize does not care about shape
    expect(Array.from(quantize(pred))).toEqual([0, 2, 2, 255, 255, 0, 255]);
    expect(() => quantize({data: new Float32Array([0, Number.NaN]), width: 2, height: 1})).toThrow(/value 1 is NaN/);
  });

  it('IE is the mean absolute byte difference', () => {
    const gt = {data: new Uint8Array([0, 10, 20, 30, 40, 50]), width: 2, height: 1};
    const q = {data: new Uint8Array([1, 10, 17, 30, 40, 60]), width: 2, height: 1};
    expect(interpolationError(gt, q)).toBeCloseTo((1 + 3 + 10) / 6, 12);
    expect(psnrUint8(gt, q)).toBeCloseTo(-10 * Math.log10((1 + 9 + 100) / 6 / 65025), 10);
  });

  it('names mismatched sizes', () => {
    const a = {data: new Uint8Array(12), width: 2, height: 2};
    const b = {data: new Uint8Array(18), width: 3, height: 2};
    expect(() => psnrUint8(a, b)).toThrow(/same size with 3 channels: got 2x2 \(12 values\) and 3x2 \(18 values\)/);
    expect(() => ssimMatlab(a, b)).toThrow(/ssimMatlab/);
  });

  it('SSIM works on images smaller than the 11-pixel window (RIFE shrinks the window)', () => {
    const img = {data: Float64Array.from({length: 4 * 5 * 3}, (_, i) => (i * 37 % 101) / 100), width: 5, height: 4};
    expect(ssimMatlab(img, img)).toBeCloseTo(1, 12);
    const other = {...img, data: img.data.map((v) => 1 - v)};
    expect(ssimMatlab(img, other)).toBeLessThan(0.5);
  });
});
