import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {totalLoss} from './total-loss.js';
import {manifest} from '../test/fixture-data.js';

const value = async (x: tf.Tensor) => (await x.data())[0]!;

describeWithBackends('totalLoss (spec §2.3)', () => {
  it('L = L_rec + L_rec_tea + 0.01·L_dis reproduces daek_train\'s L from its own terms (1e-4 relative)', async () => {
    const {scalar_outputs: s, suggested_tolerance_rel_scalars: tol} = manifest().daek_train;
    const loss = await value(totalLoss({rec: tf.scalar(s.L_rec), recTeacher: tf.scalar(s.L_rec_tea), distill: tf.scalar(s.L_dis)}));
    expect(Math.abs(loss - s.L) / s.L).toBeLessThanOrEqual(tol.L!);
    expect(s.lambda).toBe(0.01);
  });

  it('uses λ, the RIFE teacher the same way, and L_rec alone without a teacher; gradients flow to each term', async () => {
    const rec = tf.scalar(0.5), recTeacher = tf.scalar(0.25), distill = tf.scalar(2);
    expect(await value(totalLoss({rec, recTeacher, distill}, {lambda: 0.1}))).toBeCloseTo(0.95, 6);
    expect(await value(totalLoss({rec, recTeacher, distill}, {teacher: 'rife'}))).toBeCloseTo(0.77, 6);
    expect(await value(totalLoss({rec}, {teacher: 'none'}))).toBe(0.5);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      totalLoss({rec: a as tf.Scalar, recTeacher: b as tf.Scalar, distill: c as tf.Scalar}))([rec, recTeacher, distill]);
    expect(await Promise.all(grads.map(value))).toEqual([1, 1, Math.fround(0.01)]);
  });

  it('does not leak', async () => {
    const rec = tf.scalar(0.5), recTeacher = tf.scalar(0.25), distill = tf.scalar(2);
    await expectNoLeaks(() => totalLoss({rec, recTeacher, distill}));
    await expectNoLeaks(() => totalLoss({rec}, {teacher: 'none'}));
  });
});

describe('totalLoss input checks', () => {
  it('names the problem and the fix', () => {
    const rec = tf.scalar(0.5);
    expect(() => totalLoss({rec})).toThrow(/'recTeacher'.*teacher: 'none'/);
    expect(() => totalLoss({rec, recTeacher: rec, distill: tf.zeros([2]) as tf.Scalar})).toThrow(/'distill'.*tf.mean/);
    expect(() => totalLoss({rec, distill: rec}, {teacher: 'none'})).toThrow(/L_rec alone/);
    expect(() => totalLoss({rec}, {teacher: 'teacher' as 'ours'})).toThrow(/'ours', 'rife' or 'none'/);
    expect(() => totalLoss({rec, recTeacher: rec, distill: rec}, {lambda: -1})).toThrow(/lambda/);
    expect(() => totalLoss({rec: 0.5 as unknown as tf.Scalar}, {teacher: 'none'})).toThrow(/'rec' must be a scalar tf.Tensor/);
  });
});
