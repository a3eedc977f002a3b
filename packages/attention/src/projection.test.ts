import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {projectRows} from './projection.js';

describeWithBackends('projectRows (1x1 conv as matMul, hand-written gradient)', () => {
  const x = () => tf.randomNormal([20, 7], 0, 1, 'float32', 1) as tf.Tensor2D;
  const w = () => tf.randomNormal([7, 5], 0, 0.5, 'float32', 2) as tf.Tensor2D;
  const b = () => tf.randomNormal([5], 0, 0.5, 'float32', 3) as tf.Tensor1D;
  const r = () => tf.randomNormal([20, 5], 0, 1, 'float32', 4);

  for (const activation of ['linear', 'leakyrelu'] as const) {
    it(`matches tfjs's own ops and gradients (${activation})`, async () => {
      const reference = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => {
        const z = tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D).add(bs);
        return activation === 'leakyrelu' ? tf.leakyRelu(z, 0.1) : z;
      };
      const ours = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
        projectRows(xs as tf.Tensor2D, ws as tf.Tensor2D, bs as tf.Tensor1D, activation, 0.1);
      await expectClose(ours(x(), w(), b()), reference(x(), w(), b()), 1e-6, 'forward');
      const loss = (f: (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => tf.Tensor) => (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => f(xs, ws, bs).mul(r()).sum();
      const expected = tf.grads(loss(reference))([x(), w(), b()]);
      const actual = tf.grads(loss(ours))([x(), w(), b()]);
      for (const [i, name] of ['dx', 'dW', 'db'].entries()) await expectClose(actual[i], expected[i], 1e-5, name);
      // The leaky branch really is exercised: some outputs are negative.
      expect((await reference(x(), w(), b()).min().data())[0]).toBeLessThan(0);
    });
  }

  it('does not leak, forward or backward', async () => {
    const xs = x(), ws = w(), bs = b();
    await expectNoLeaks(() => projectRows(xs, ws, bs, 'leakyrelu', 0.1));
    await expectNoLeaks(() => tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      projectRows(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D, 'leakyrelu', 0.1).sum())([xs, ws, bs]));
  });
});
