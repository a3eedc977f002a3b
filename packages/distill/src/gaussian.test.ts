import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {GAUSS_TAPS, gaussDown, gaussUp, zeroInsert2} from './gaussian.js';

// A literal, slow transcription of RIFE's conv_gauss out of slices and concats, whose tfjs autograd is trusted:
// the reference for the hand-written forward and backward of gaussDown/gaussUp.
function reflectPadSlices(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const rows = (t: tf.Tensor4D, i: number) => tf.slice(t, [0, i, 0, 0], [-1, 1, -1, -1]);
  const cols = (t: tf.Tensor4D, j: number) => tf.slice(t, [0, 0, j, 0], [-1, -1, 1, -1]);
  const tall = tf.concat([rows(x, 2), rows(x, 1), x, rows(x, h - 2), rows(x, h - 3)], 1);
  return tf.concat([cols(tall, 2), cols(tall, 1), tall, cols(tall, w - 2), cols(tall, w - 3)], 2);
}

function convGaussSlices(x: tf.Tensor4D, gain: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const padded = reflectPadSlices(x);
  const terms: tf.Tensor[] = [];
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      terms.push(tf.mul(tf.slice(padded, [0, i, j, 0], [-1, h, w, -1]), GAUSS_TAPS[i]! * GAUSS_TAPS[j]! * gain));
    }
  }
  // a chain of adds, not tf.addN: webgpu's AddN returns zeros for 8 or more inputs (see README)
  return terms.reduce((sum, term) => tf.add(sum, term)) as tf.Tensor4D;
}

function everyOtherSlices(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  // rank 4 only (webgpu): the row pair (2i, 2i+1) side by side, keep the first; then the column pair in the channels
  const rows = tf.slice(tf.reshape(x, [b, h / 2, 2 * w, c]) as tf.Tensor4D, [0, 0, 0, 0], [-1, -1, w, -1]);
  return tf.slice(tf.reshape(rows, [b, h / 2, w / 2, 2 * c]), [0, 0, 0, 0], [-1, -1, -1, c]) as tf.Tensor4D;
}

const referenceDown = (x: tf.Tensor4D) => everyOtherSlices(convGaussSlices(x, 1));
const referenceUp = (x: tf.Tensor4D) => convGaussSlices(zeroInsert2(x), 4);

describeWithBackends('gaussDown / gaussUp against a literal transcription of RIFE\'s conv_gauss', () => {
  // [1,4,6,2] exercises the small-size path of the reflect-padding adjoint (< 6 rows), [2,12,10,3] the general one.
  for (const shape of [[1, 4, 6, 2], [2, 12, 10, 3]] as [number, number, number, number][]) {
    it(`values and gradients agree, shape [${shape}]`, async () => {
      const x = tf.randomUniform(shape, -1, 1, 'float32', 11) as tf.Tensor4D;
      const small = tf.randomUniform([shape[0], shape[1] / 2, shape[2] / 2, shape[3]], -1, 1, 'float32', 12) as tf.Tensor4D;
      await expectClose(gaussDown(x), referenceDown(x), 1e-6, 'gaussDown');
      await expectClose(gaussUp(small), referenceUp(small), 1e-6, 'gaussUp');
      // weight the outputs by a random field so every output element gets a different gradient
      const weighted = (f: (t: tf.Tensor4D) => tf.Tensor4D, seed: number) => (t: tf.Tensor) => {
        const out = f(t as tf.Tensor4D);
        return tf.sum(tf.mul(out, tf.randomNormal(out.shape, 0, 1, 'float32', seed)));
      };
      await expectClose(tf.grad(weighted(gaussDown, 13))(x), tf.grad(weighted(referenceDown, 13))(x), 1e-6, 'd gaussDown');
      await expectClose(tf.grad(weighted(gaussUp, 14))(small), tf.grad(weighted(referenceUp, 14))(small), 1e-6, 'd gaussUp');
    });
  }

  it('zeroInsert2 puts x[i,j] at [2i,2j] and zeros elsewhere', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    expect(Array.from(await zeroInsert2(x).data())).toEqual([
      1, 0, 2, 0, 3, 0,
      0, 0, 0, 0, 0, 0,
      4, 0, 5, 0, 6, 0,
      0, 0, 0, 0, 0, 0,
    ]);
  });

  it('checks its input', () => {
    expect(() => gaussDown(tf.zeros([1, 5, 6, 3]) as tf.Tensor4D)).toThrow(/even and at least 4/);
    expect(() => gaussDown(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D)).toThrow(/even and at least 4/);
    expect(() => gaussUp(tf.zeros([1, 1, 4, 3]) as tf.Tensor4D)).toThrow(/at least 2/);
    expect(() => gaussUp(tf.zeros([4, 4, 3]) as unknown as tf.Tensor4D)).toThrow(/rank 4/);
  });

  it('does not leak', async () => {
    const x = tf.randomUniform([1, 8, 8, 3]) as tf.Tensor4D;
    await expectNoLeaks(() => gaussDown(x));
    await expectNoLeaks(() => gaussUp(x));
    await expectNoLeaks(() => zeroInsert2(x));
    await expectNoLeaks(() => tf.grad((t: tf.Tensor) => gaussUp(gaussDown(t as tf.Tensor4D)).sum())(x));
  });
});
