import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import {describeWithBackends, expectClose, expectNoLeaks, npyNHWC} from '@daek/testing';
import {backwardWarp} from './backward_warp.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures/parity');
/** fixtures/parity README case 1: 1e-4 abs (observed f32-vs-f64 3e-6). */
const WARP_TOLERANCE = 1e-4;

/** A smooth random field (deterministic) scaled to `amplitude` pixels. */
function smoothFlow(batch: number, height: number, width: number, amplitude: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const coarse = tf.randomUniform([batch, 3, 4, 2], -amplitude, amplitude, 'float32', seed) as tf.Tensor4D;
    return tf.image.resizeBilinear(coarse, [height, width], false, true);
  });
}

describeWithBackends('backwardWarp', () => {
  for (const name of ['warp', 'warp_batch2', 'warp_features16']) {
    it(`matches RIFE warp on the '${name}' fixture`, async () => {
      const image = npyNHWC(path.join(fixtures, name, 'img.npy'));
      const flow = npyNHWC(path.join(fixtures, name, 'flow.npy'));
      const expected = npyNHWC(path.join(fixtures, name, 'out.npy'));
      await expectClose(backwardWarp(image, flow), expected, WARP_TOLERANCE, name);
    });
  }

  it('is the identity for zero flow and a shift for integer flow', async () => {
    const image = tf.randomUniform([2, 5, 7, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    await expectClose(backwardWarp(image, tf.zeros([2, 5, 7, 2])), image, 1e-6, 'zero flow');
    const shifted = backwardWarp(image, tf.ones([2, 5, 7, 2]).mul(tf.tensor1d([1, 0])) as tf.Tensor4D);
    await expectClose(shifted.slice([0, 0, 0, 0], [2, 5, 6, 3]), image.slice([0, 0, 1, 0], [2, 5, 6, 3]), 1e-6, 'shift by 1 px');
    // The last column reads beyond the edge: border padding repeats the edge column.
    await expectClose(shifted.slice([0, 0, 6, 0], [2, 5, 1, 3]), image.slice([0, 0, 6, 0], [2, 5, 1, 3]), 1e-6, 'border');
  });

  it('has image and flow gradients that match central finite differences', async () => {
    const image = tf.randomUniform([1, 6, 7, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    // Flows with non-integer values well inside the image, so no sample sits on a kink of the bilinear interpolation.
    const flow = smoothFlow(1, 6, 7, 1.2, 3);
    const weights = tf.randomUniform([1, 6, 7, 2], -1, 1, 'float32', 4);
    const loss = (img: tf.Tensor, fl: tf.Tensor) => backwardWarp(img as tf.Tensor4D, fl as tf.Tensor4D).mul(weights).sum() as tf.Scalar;
    const [dImage, dFlow] = tf.grads(loss)([image, flow]);
    const numeric = async (x: tf.Tensor, which: 0 | 1, count: number) => {
      const base = await x.data();
      const eps = 1e-2;
      const out: number[] = [], picks: number[] = [];
      for (let n = 0; n < count; n++) {
        const i = (n * 37 + 5) % base.length;
        picks.push(i);
        const plus = base.slice(), minus = base.slice();
        plus[i] += eps; minus[i] -= eps;
        const f = async (arr: Float32Array) => {
          const t = tf.tensor(arr, x.shape);
          const v = which === 0 ? loss(t, flow) : loss(image, t);
          return (await v.data())[0];
        };
        out.push((await f(plus as Float32Array) - await f(minus as Float32Array)) / (2 * eps));
      }
      return {out, picks};
    };
    for (const [which, grad, x] of [[0, dImage, image], [1, dFlow, flow]] as const) {
      const {out, picks} = await numeric(x, which, 24);
      const analytic = await grad.data();
      const picked = picks.map((i) => analytic[i]);
      await expectClose(picked, out, 2e-3, which === 0 ? 'd/dimage' : 'd/dflow');
    }
  });

  it('zeroes the flow gradient where the position is clamped to the border', async () => {
    const image = tf.randomUniform([1, 4, 4, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const flow = tf.fill([1, 4, 4, 2], 10) as tf.Tensor4D; // every sample far outside
    const dFlow = tf.grad((f: tf.Tensor) => backwardWarp(image, f as tf.Tensor4D).sum())(flow);
    expect(Array.from(await dFlow.data()).every((v) => v === 0)).toBe(true);
  });

  it('does not leak tensors (forward and gradient)', async () => {
    const image = tf.randomUniform([1, 8, 9, 3]) as tf.Tensor4D;
    const flow = smoothFlow(1, 8, 9, 3, 6);
    await expectNoLeaks(() => backwardWarp(image, flow));
    await expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => backwardWarp(a as tf.Tensor4D, b as tf.Tensor4D).sum())([image, flow]));
  });
});

describeWithBackends('backwardWarp input checks', () => {
  const image = tf.zeros([1, 4, 5, 3]) as tf.Tensor4D;
  it('names the argument and the expected shape', () => {
    expect(() => backwardWarp(tf.zeros([4, 5, 3]) as never, tf.zeros([1, 4, 5, 2]) as tf.Tensor4D))
        .toThrow(/'image' must have rank 4, shape \[B,H,W,C\]; got shape \[4,5,3\]/);
    expect(() => backwardWarp(image, tf.zeros([1, 4, 5, 4]) as tf.Tensor4D)).toThrow(/'flow' must have 2 channels.*slice channels 0:2/);
    expect(() => backwardWarp(image, tf.zeros([1, 8, 10, 2]) as tf.Tensor4D)).toThrow(/'flow' must be \[1,4,5,2\].*resizeFlow/);
    expect(() => backwardWarp(image, tf.zeros([2, 4, 5, 2]) as tf.Tensor4D)).toThrow(/'flow' must be \[1,4,5,2\]/);
  });
  it('rejects non-finite flow', () => {
    const values = new Float32Array(40);
    values[3] = NaN;
    const flow = tf.tensor4d(values, [1, 4, 5, 2]);
    expect(() => backwardWarp(image, flow)).toThrow(/'flow' contains NaN or Infinity/);
    expect(() => backwardWarp(image, flow, {checkFinite: false})).not.toThrow();
  });
}, {only: ['cpu']});
