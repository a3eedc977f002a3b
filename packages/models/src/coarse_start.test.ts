// The coarse start of the flow search: what the coarse pass sees, how its flow comes back to full size, leaks.
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {coarseStartFlow} from './coarse_start.js';

describeWithBackends('coarseStartFlow', () => {
  const frames = (h: number, w: number) => [tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 1), tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 2)] as
    [tf.Tensor4D, tf.Tensor4D];

  it('runs the pass on the half-size frames, padded to 32 and at least 128, and scales its flow back', async () => {
    const [a, b] = frames(96, 320);
    const seen: number[][] = [];
    // A pass whose flow is 1 px in x for F_t→0 and -2 px in y for F_t→1 at the coarse size, everywhere.
    const flow = await coarseStartFlow(a, b, 0.5, (x, y) => {
      seen.push(x.shape, y.shape);
      return tf.tidy(() => tf.tensor1d([1, 0, 0, -2]).reshape([1, 1, 1, 4]).tile([1, x.shape[1], x.shape[2], 1]) as tf.Tensor4D);
    });
    // 48x160 padded to 128x160.
    expect(seen).toEqual([[1, 128, 160, 3], [1, 128, 160, 3]]);
    expect(flow.shape).toEqual([1, 96, 320, 4]);
    // A constant flow resized stays constant; the ratio is 2 on both axes.
    const want = tf.tensor1d([2, 0, 0, -4]).reshape([1, 1, 1, 4]).tile([1, 96, 320, 1]);
    await expectClose(flow, want, 1e-6, 'flow at full size');
  });

  it('gives the pass the resized frames (bilinear, half-pixel centres: a 2x2 mean at scale 0.5)', async () => {
    const [a, b] = frames(128, 256);
    let got: tf.Tensor4D | null = null;
    const flow = await coarseStartFlow(a, b, 0.5, (x) => {
      got = tf.clone(x);
      return tf.zeros([1, x.shape[1], x.shape[2], 4]) as tf.Tensor4D;
    });
    const mean = tf.avgPool(a, 2, 2, 'valid');
    // 64x128 padded to 128x128: 32 rows replicated above and below.
    await expectClose(got!.slice([0, 32, 0, 0], [1, 64, 128, 3]), mean, 1e-6, 'coarse frame');
    tf.dispose([flow, got!, mean]);
  });

  it('checks its arguments and leaks nothing, also when the pass throws', async () => {
    const [a, b] = frames(40, 72);
    const pass = (x: tf.Tensor4D) => tf.zeros([1, x.shape[1], x.shape[2], 4]) as tf.Tensor4D;
    await expect(coarseStartFlow(a, b, 1, pass)).rejects.toThrow(/scale: expected a number between 0 and 1 \(exclusive\), got 1/);
    await expect(coarseStartFlow(a, tf.zeros([1, 40, 70, 3]) as tf.Tensor4D, 0.5, pass)).rejects.toThrow(/expected two \[B,H,W,3\] frames of one shape/);
    await expectNoLeaks(() => coarseStartFlow(a, b, 0.5, pass), 1);
    const before = tf.memory().numTensors;
    await expect(coarseStartFlow(a, b, 0.5, () => { throw new Error('pass failed'); })).rejects.toThrow('pass failed');
    expect(tf.memory().numTensors).toBe(before);
  });
});
