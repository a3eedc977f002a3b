import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {GAUSS_TAPS} from './gaussian.js';
import {lapLoss, laplacianPyramid} from './laplacian.js';
import {manifest, nhwc, raw} from '../test/fixture-data.js';

const scalar = async (x: tf.Tensor) => (await x.data())[0]!;

/** RIFE's form, literally: two pyramids, then Σ mean|a − b| (lapLoss uses one pyramid of the difference). */
function twoPyramidLoss(a: tf.Tensor4D, b: tf.Tensor4D, maxLevels = 5): tf.Scalar {
  return tf.tidy(() => {
    const pa = laplacianPyramid(a, {maxLevels});
    const pb = laplacianPyramid(b, {maxLevels});
    return tf.addN(pa.map((level, i) => tf.mean(tf.abs(tf.sub(level, pb[i]!))))) as tf.Scalar;
  });
}

describe('GAUSS_TAPS', () => {
  it('their outer product is RIFE\'s gauss_kernel exactly (fixture `laplacian`)', async () => {
    const kernel = await raw('parity/laplacian/gauss_kernel').data(); // [3,1,5,5]
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 5; j++) expect(Math.fround(GAUSS_TAPS[i]! * GAUSS_TAPS[j]!)).toBe(kernel[c * 25 + i * 5 + j]);
      }
    }
  });
});

describeWithBackends('lapLoss parity with RIFE LapLoss (fixture `laplacian`, [2,3,64,64])', () => {
  it('loss within 1e-6 abs, and the two-pyramid form agrees', async () => {
    const {laplacian} = manifest();
    const input = nhwc('parity/laplacian/input');
    const target = nhwc('parity/laplacian/target');
    const loss = await scalar(lapLoss(input, target));
    const expected = laplacian.scalar_outputs.loss;
    if (!(Math.abs(loss - expected) <= laplacian.tolerance_abs_loss)) {
      throw new Error(`lapLoss = ${loss}, RIFE ${expected}, |Δ| = ${Math.abs(loss - expected)} > ${laplacian.tolerance_abs_loss}`);
    }
    expect(Math.abs(await scalar(twoPyramidLoss(input, target)) - expected)).toBeLessThanOrEqual(laplacian.tolerance_abs_loss);
  });

  it('every pyramid level of the input matches RIFE\'s laplacian_pyramid within 1e-6', async () => {
    const pyramid = laplacianPyramid(nhwc('parity/laplacian/input'));
    expect(pyramid.map((level) => level.shape)).toEqual([64, 32, 16, 8, 4].map((s) => [2, s, s, 3]));
    for (let level = 0; level < 5; level++) {
      await expectClose(pyramid[level]!, nhwc(`parity/laplacian/input_pyr${level}`), 1e-6, `input_pyr${level}`);
    }
  });
});

describeWithBackends('lapLoss gradient', () => {
  it('matches central finite differences on a tiny input (2 levels, [1,8,8,2])', async () => {
    const pred = tf.randomUniform([1, 8, 8, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const target = tf.randomUniform([1, 8, 8, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
    const options = {maxLevels: 2};
    const grad = await tf.grad((p: tf.Tensor) => lapLoss(p as tf.Tensor4D, target, options))(pred).data();
    const base = await pred.data();
    const eps = 1e-3;
    const at = async (values: Float32Array) => scalar(lapLoss(tf.tensor4d(values, pred.shape), target, options));
    for (const index of [0, 5, 17, 40, 63, 64, 90, 127]) {
      const plus = Float32Array.from(base), minus = Float32Array.from(base);
      plus[index]! += eps;
      minus[index]! -= eps;
      // The loss is piecewise linear in pred, so a central difference is exact away from kinks.
      const numeric = (await at(plus) - await at(minus)) / (2 * eps);
      expect(Math.abs(numeric - grad[index]!)).toBeLessThanOrEqual(2e-4 + 1e-2 * Math.abs(numeric));
    }
  });

  it('is finite and nonzero for 5 levels, for both arguments, and agrees with the two-pyramid form', async () => {
    const pred = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const target = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const [dPred, dTarget] = tf.grads((p: tf.Tensor, t: tf.Tensor) => lapLoss(p as tf.Tensor4D, t as tf.Tensor4D))([pred, target]);
    const reference = tf.grad((p: tf.Tensor) => twoPyramidLoss(p as tf.Tensor4D, target))(pred);
    await expectClose(dPred!, reference, 1e-9, 'dPred vs two-pyramid form');
    await expectClose(dTarget!, tf.neg(dPred!), 0, 'dTarget = −dPred');
    expect(await scalar(tf.abs(dPred!).sum())).toBeGreaterThan(0);
  });

  it('is exactly zero where pred equals target (PyTorch\'s |·| subgradient, not tfjs\'s −1)', async () => {
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const grad = tf.grad((p: tf.Tensor) => lapLoss(p as tf.Tensor4D, x))(x);
    expect(await scalar(tf.abs(grad).max())).toBe(0);
  });

  it('does not leak (loss, pyramid, gradient)', async () => {
    const a = tf.randomUniform([1, 64, 64, 3]) as tf.Tensor4D;
    const b = tf.randomUniform([1, 64, 64, 3]) as tf.Tensor4D;
    await expectNoLeaks(() => lapLoss(a, b));
    await expectNoLeaks(() => laplacianPyramid(a));
    await expectNoLeaks(() => tf.grad((p: tf.Tensor) => lapLoss(p as tf.Tensor4D, b))(a));
  });
});

describeWithBackends('lapLoss input checks', () => {
  it('names the problem and the fix', () => {
    const image = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    expect(() => lapLoss(tf.zeros([1, 48, 64, 3]) as tf.Tensor4D, tf.zeros([1, 48, 64, 3]) as tf.Tensor4D))
        .toThrow(/height 48 must be a multiple of 32 and at least 64/);
    expect(() => lapLoss(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D, tf.zeros([1, 32, 32, 3]) as tf.Tensor4D))
        .toThrow(/at least 64.*lower maxLevels/);
    expect(() => lapLoss(image, tf.zeros([1, 64, 64, 1]) as tf.Tensor4D)).toThrow(/same shape/);
    expect(() => lapLoss(tf.zeros([64, 64, 3]) as unknown as tf.Tensor4D, image)).toThrow(/rank 4/);
    expect(() => lapLoss(image, image, {maxLevels: 0})).toThrow(/maxLevels/);
    expect(() => lapLoss(image.toInt() as tf.Tensor4D, image)).toThrow(/float32/);
    expect(() => laplacianPyramid(image, {maxLevels: 2.5})).toThrow(/integer/);
    expect(laplacianPyramid(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, {maxLevels: 2}).length).toBe(2);
  });
}, {only: ['cpu']});
