// The fused window kernel (cpu, wasm) against the op-composed lookup it replaces (sampler + dot products,
// the path GPU backends take): same values and same gradients with respect to query, key and coords.
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose} from '@daek/testing';
import {composedFeatureLevel} from './feature_lookup.js';
import {hasWindowCorrelationKernel, windowCorrelation} from './window_correlation.js';

describeWithBackends('windowCorrelation kernel', () => {
  it('matches the composed sampler + dot product, values and gradients, at every level and radius', async () => {
    expect(hasWindowCorrelationKernel()).toBe(true);
    const query = tf.randomNormal([2, 5, 7, 6], 0, 1, 'float32', 1) as tf.Tensor4D;
    // Spread so that some windows lie fully inside a 14-wide key (radius 3's 8-wide fast path), some cross
    // its edges and some are fully outside.
    const coords = tf.randomUniform([2, 5, 7, 2], -6, 20, 'float32', 3) as tf.Tensor4D;
    for (const radius of [2, 3]) {
      const dy = tf.randomNormal([2, 5, 7, (2 * radius + 1) ** 2], 0, 1, 'float32', 4);
      for (const level of [0, 1, 2]) {
        const key = tf.randomNormal([2, Math.max(1, 12 >> level), Math.max(1, 14 >> level), 6], 0, 1, 'float32', 2 + level) as tf.Tensor4D;
        const fused = (q: tf.Tensor, k: tf.Tensor, c: tf.Tensor) =>
          windowCorrelation(q as tf.Tensor4D, k as tf.Tensor4D, c as tf.Tensor4D, {radius, level, scale: 0.4});
        const composed = (q: tf.Tensor, k: tf.Tensor, c: tf.Tensor) =>
          composedFeatureLevel(q as tf.Tensor4D, k as tf.Tensor4D, c as tf.Tensor4D, level, radius, 0.4);
        const what = `radius ${radius} level ${level}`;
        await expectClose(fused(query, key, coords), composed(query, key, coords), 1e-5, `${what} values`);
        const gradsFused = tf.grads((q, k, c) => tf.sum(tf.mul(fused(q, k, c), dy)))([query, key, coords]);
        const gradsComposed = tf.grads((q, k, c) => tf.sum(tf.mul(composed(q, k, c), dy)))([query, key, coords]);
        for (const [i, name] of ['query', 'key', 'coords'].entries()) {
          await expectClose(gradsFused[i], gradsComposed[i], 1e-4, `${what} d/d${name}`);
        }
      }
    }
  });

  it('propagates NaN coordinates to that pixel only', async () => {
    const query = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    const coords = tf.tensor4d([NaN, 0, 1, 1, 0, 0, 1, 0], [1, 2, 2, 2]);
    const out = await windowCorrelation(query, query, coords, {radius: 1, level: 0, scale: 1}).array();
    expect(out[0][0][0].every(Number.isNaN)).toBe(true);
    expect(out[0][1][1].every(Number.isFinite)).toBe(true);
  });
}, {exclude: {webgpu: 'the fused kernel exists on cpu and wasm only; webgpu runs the composed path, tested elsewhere'}});
