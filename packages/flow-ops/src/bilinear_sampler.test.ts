import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import {describeWithBackends, expectClose, expectNoLeaks, npyNHWC, npyTensor} from '@daek/testing';
import {bilinearSampler} from './bilinear_sampler.js';
import {sampleForwardOps, sampleGradCoordsOps, sampleGradImageOps} from './sampling/sample_generic.js';
import {BILINEAR_SAMPLE_GRAD_COORDS, BILINEAR_SAMPLE_GRAD_IMAGE} from './sampling/kernel_names.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures/parity/bilinear_sampler');

describeWithBackends('bilinearSampler', () => {
  it('matches AMT bilinear_sampler, values within 1e-5 and the mask exactly', async () => {
    const image = npyNHWC(path.join(fixtures, 'img.npy'));
    const coords = npyTensor(path.join(fixtures, 'coords.npy')) as tf.Tensor4D; // already [N,Ho,Wo,2]
    const {output, mask} = bilinearSampler(image, coords, {returnMask: true});
    await expectClose(output, npyNHWC(path.join(fixtures, 'out.npy')), 1e-5, 'out');
    expect(Array.from(await mask.data())).toEqual(Array.from(await npyTensor(path.join(fixtures, 'mask.npy')).data()));
  });

  it('gives zero outside with zeros padding and the edge value with border padding', async () => {
    const image = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const coords = tf.tensor4d([-5, 0, 0.5, 0.5, 1, 3], [1, 1, 3, 2]);
    expect(Array.from(await bilinearSampler(image, coords).data())).toEqual([0, 2.5, 0]);
    expect(Array.from(await bilinearSampler(image, coords, {padding: 'border'}).data())).toEqual([1, 2.5, 4]);
  });

  it('samples any output size and batch', async () => {
    const image = tf.randomUniform([2, 5, 6, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const coords = tf.randomUniform([2, 3, 4, 2], -1, 6, 'float32', 8) as tf.Tensor4D;
    for (const padding of ['zeros', 'border'] as const) {
      const out = bilinearSampler(image, coords, {padding});
      expect(out.shape).toEqual([2, 3, 4, 3]);
      await expectClose(out, sampleForwardOps(image, coords, padding), 1e-6, `host vs ops forward, ${padding}`);
    }
  });

  it('has gradients equal to the tfjs-ops reference implementation, both paddings', async () => {
    const image = tf.randomUniform([2, 5, 6, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const coords = tf.randomUniform([2, 3, 4, 2], -1.5, 6.5, 'float32', 10) as tf.Tensor4D;
    const dy = tf.randomUniform([2, 3, 4, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
    for (const padding of ['zeros', 'border'] as const) {
      const [dImage, dCoords] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        bilinearSampler(a as tf.Tensor4D, b as tf.Tensor4D, {padding}).mul(dy).sum())([image, coords]);
      await expectClose(dImage, sampleGradImageOps(dy, image.shape, coords, padding), 1e-5, `dImage ${padding}`);
      await expectClose(dCoords, sampleGradCoordsOps(dy, image, coords, padding), 1e-5, `dCoords ${padding}`);
    }
  });

  it('does not leak tensors', async () => {
    const image = tf.randomUniform([1, 5, 6, 2]) as tf.Tensor4D;
    const coords = tf.randomUniform([1, 3, 3, 2], 0, 5) as tf.Tensor4D;
    await expectNoLeaks(() => bilinearSampler(image, coords, {returnMask: true}));
    await expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => bilinearSampler(a as tf.Tensor4D, b as tf.Tensor4D).sum())([image, coords]));
  });
});

describeWithBackends('bilinearSampler kernels', () => {
  it('exports kernel names for the gradient kernels', () => {
    expect(BILINEAR_SAMPLE_GRAD_IMAGE).toMatch(/^Daek/);
    expect(BILINEAR_SAMPLE_GRAD_COORDS).toMatch(/^Daek/);
  });
  it('rejects bad coords with a message naming the argument', () => {
    const image = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => bilinearSampler(image, tf.zeros([1, 4, 4, 3]) as tf.Tensor4D)).toThrow(/'coords' must have 2 channels/);
    expect(() => bilinearSampler(image, tf.zeros([2, 4, 4, 2]) as tf.Tensor4D)).toThrow(/batch of 'coords' \(2\) must equal batch of 'image' \(1\)/);
    expect(() => bilinearSampler(image, tf.zeros([1, 4, 4, 2]) as tf.Tensor4D, {padding: 'reflect' as never})).toThrow(/padding must be/);
  });
}, {only: ['cpu']});
