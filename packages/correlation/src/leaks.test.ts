// Every public function leaves tf.memory().numTensors unchanged once its results are disposed.
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {bidirCorrelationFeature, correlationPyramid, createBidirCorrelation, CORRELATION_MODES} from './index.js';

const shape: [number, number, number, number] = [1, 4, 6, 3];
const features = () => tf.randomNormal(shape, 0, 1, 'float32', 7) as tf.Tensor4D;
const coords = () => tf.randomUniform([1, 4, 6, 2], -1, 7, 'float32', 9) as tf.Tensor4D;

describeWithBackends('no tensor leaks', () => {
  for (const mode of CORRELATION_MODES) {
    // chunkBytes 1 forces one row per chunk, so the chunked path is covered too.
    for (const chunkBytes of mode === 'memory-light' ? [undefined, 1] : [undefined]) {
      const label = `${mode}${chunkBytes ? ' (row chunks)' : ''}`;
      it(`${label}: build + dispose, lookup, lookupSeparate, bidirCorrelationFeature, gradient`, async () => {
        const [f0, f1, c0, c1] = [features(), features(), coords(), coords()];
        const options = {levels: 2, radius: 1, mode, chunkBytes};
        await expectNoLeaks(() => createBidirCorrelation(f0, f1, options).dispose());
        const corr = createBidirCorrelation(f0, f1, options);
        await expectNoLeaks(() => corr.lookup(c0, c1));
        await expectNoLeaks(() => corr.lookupSeparate(c0, c1));
        const flow = tf.concat([c0, c1], 3) as tf.Tensor4D;
        await expectNoLeaks(() => bidirCorrelationFeature(corr, flow));
        corr.dispose();
        await expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) => {
          const built = createBidirCorrelation(a as tf.Tensor4D, b as tf.Tensor4D, options);
          const out = built.lookup(p as tf.Tensor4D, c1);
          built.dispose();
          return tf.sum(tf.square(out));
        })([f0, f1, c0]));
        // The inputs survive: the object never disposes what it was given.
        expect([f0, f1, c0, c1].every((t) => !t.isDisposed)).toBe(true);
      });
    }
  }

  it('correlationPyramid, and failed calls', async () => {
    const [f0, f1, c0] = [features(), features(), coords()];
    await expectNoLeaks(() => correlationPyramid(f0, f1, 2));
    const corr = createBidirCorrelation(f0, f1, {levels: 2});
    const before = tf.memory().numTensors;
    expect(() => corr.lookup(c0, tf.zeros([1, 4, 6, 3]) as tf.Tensor4D)).toThrow();
    expect(() => createBidirCorrelation(f0, f1, {levels: 4})).toThrow();
    expect(tf.memory().numTensors).toBe(before + 1);  // only the zeros made for the bad call
    corr.dispose();
  });
});
