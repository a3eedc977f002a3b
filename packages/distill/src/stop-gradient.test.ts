import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {stopGradient} from './stop-gradient.js';
import {absTorch} from './abs.js';
import {sqrtSafe} from './sqrt.js';

describeWithBackends('stopGradient and the PyTorch-gradient helpers', () => {
  it('stopGradient keeps the values and blocks the gradient, even through ops that have none', async () => {
    const x = tf.tensor1d([1, -2, 3]);
    expect(Array.from(await stopGradient(x).data())).toEqual([1, -2, 3]);
    const grad = tf.grad((t: tf.Tensor) => tf.add(tf.mul(t, 2), stopGradient(tf.square(t))).sum())(x);
    expect(Array.from(await grad.data())).toEqual([2, 2, 2]);
    // The documented limit: an op without a gradient (tfjs's `greater`) that runs BEFORE stopGradient is still on
    // the tape, so tf.grad throws; errorMask therefore runs its comparison inside its own custom gradient.
    const masked = (t: tf.Tensor) => tf.mul(t, stopGradient(tf.cast(tf.greater(t, 0), 'float32'))).sum();
    expect(() => tf.grad(masked)(x)).toThrow(/gradient function not found for Greater/);
  });

  it('absTorch has gradient sign(x) (0 at 0); sqrtSafe has gradient 0 at 0', async () => {
    const x = tf.tensor1d([-2, 0, 3]);
    expect(Array.from(await absTorch(x).data())).toEqual([2, 0, 3]);
    expect(Array.from(await tf.grad((t: tf.Tensor) => absTorch(t).sum())(x).data())).toEqual([-1, 0, 1]);
    expect(Array.from(await tf.grad((t: tf.Tensor) => tf.abs(t).sum())(x).data())).toEqual([-1, -1, 1]);   // tfjs's own
    const y = tf.tensor1d([0, 4]);
    expect(Array.from(await sqrtSafe(y).data())).toEqual([0, 2]);
    expect(Array.from(await tf.grad((t: tf.Tensor) => sqrtSafe(t).sum())(y).data())).toEqual([0, 0.25]);
  });

  it('does not leak', async () => {
    const x = tf.tensor1d([1, 0, -3]);
    await expectNoLeaks(() => stopGradient(x));
    await expectNoLeaks(() => tf.grad((t: tf.Tensor) => absTorch(t).sum())(x));
    await expectNoLeaks(() => tf.grad((t: tf.Tensor) => sqrtSafe(tf.abs(t)).sum())(x));
  });
});
