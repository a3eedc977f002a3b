// Bad input throws an Error that names the argument, what was expected and what was received.
import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends} from '@daek/testing';
import {bidirCorrelationFeature, correlationPyramid, createBidirCorrelation, estimateBytes, type BidirCorrelationOptions} from './index.js';

const fmap = (shape: number[], dtype: 'float32' | 'int32' = 'float32') => tf.ones(shape, dtype) as unknown as tf.Tensor4D;

describeWithBackends('input checks', (backend) => {
  it('feature maps: rank, dtype, shape mismatch, disposed', () => {
    const good = fmap([1, 8, 8, 4]);
    expect(() => createBidirCorrelation(fmap([8, 8, 4]) as unknown as tf.Tensor4D, good))
        .toThrow('fmap0: expected a float32 tensor [batch, height, width, channels] (NHWC), got a float32 tensor of shape [8,8,4].');
    expect(() => createBidirCorrelation(good, fmap([1, 8, 8, 4], 'int32'))).toThrow(/^fmap1: expected a float32 tensor .* got a int32 tensor/);
    expect(() => createBidirCorrelation(good, fmap([1, 8, 9, 4]))).toThrow('fmap1: expected the shape of fmap0 [1,8,8,4], got [1,8,9,4].');
    expect(() => createBidirCorrelation(null as unknown as tf.Tensor4D, good)).toThrow(/^fmap0: .* got null/);
    const gone = fmap([1, 8, 8, 4]);
    gone.dispose();
    expect(() => createBidirCorrelation(good, gone)).toThrow('fmap1: the tensor has been disposed.');
  });

  it('options: levels too many for the size, bad levels / radius / mode / chunkBytes / checkFinite', () => {
    const f = fmap([1, 7, 9, 2]);
    // 7x9 with 4 levels: 7x9, 3x4, 1x2, then 0x1.
    expect(() => createBidirCorrelation(f, f, {levels: 4})).toThrow(
        'levels: 4 pyramid levels need a feature map of at least 8x8 (height x width), got 7x9; level 3 would be 0x1. Use fewer levels or larger feature maps.');
    expect(() => createBidirCorrelation(f, f, {levels: 0})).toThrow('levels: expected an integer in [1, 16], got 0.');
    expect(() => createBidirCorrelation(f, f, {levels: 2.5})).toThrow('levels: expected an integer in [1, 16], got 2.5.');
    expect(() => createBidirCorrelation(f, f, {radius: -1})).toThrow('radius: expected an integer in [0, 64], got -1.');
    expect(() => createBidirCorrelation(f, f, {mode: 'sparse'} as unknown as BidirCorrelationOptions))
        .toThrow(`mode: expected one of 'all-pairs', 'memory-light', got "sparse".`);
    expect(() => createBidirCorrelation(f, f, {chunkBytes: 0})).toThrow('chunkBytes: expected a positive number of bytes, got 0.');
    expect(() => createBidirCorrelation(f, f, {checkFinite: 'yes'} as unknown as BidirCorrelationOptions))
        .toThrow(`checkFinite: expected true, false or 'auto', got "yes".`);
    expect(() => createBidirCorrelation(f, f, [] as unknown as BidirCorrelationOptions)).toThrow(/^options: expected an object/);
    expect(() => correlationPyramid(f, f, 5)).toThrow(/^levels: 5 pyramid levels need a feature map of at least 16x16/);
  });

  it('coordinates: shape, batch, rank, dtype; lookup after dispose', () => {
    const f = fmap([2, 4, 5, 3]);
    const corr = createBidirCorrelation(f, f, {levels: 2, radius: 1});
    const good = tf.zeros([2, 4, 5, 2]) as tf.Tensor4D;
    expect(() => corr.lookup(tf.zeros([2, 4, 5, 3]) as tf.Tensor4D, good)).toThrow(
        'coords0: expected shape [2, 4, 5, 2] ((x, y) pixel positions on the feature grid), got [2,4,5,3].');
    expect(() => corr.lookup(good, tf.zeros([1, 4, 5, 2]) as tf.Tensor4D)).toThrow(/^coords1: expected shape \[2, 4, 5, 2\] .* got \[1,4,5,2\]\.$/);
    expect(() => corr.lookupSeparate(good, tf.zeros([2, 20, 2]) as unknown as tf.Tensor4D)).toThrow(/^coords1: expected a float32 tensor \[2, 4, 5, 2\]/);
    expect(() => corr.lookup(tf.zeros([2, 4, 5, 2], 'int32') as tf.Tensor4D, good)).toThrow(/^coords0: .* got a int32 tensor/);
    corr.dispose();
    expect(() => corr.lookup(good, good)).toThrow('BidirCorrelation: lookup after dispose(); build a new one with createBidirCorrelation.');
  });

  it('NaN and Infinity: caught on the host backends by default, and wherever checkFinite is true', () => {
    const f = fmap([1, 4, 4, 2]);
    const bad = tf.tensor4d([NaN, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 4, 4, 1]).tile([1, 1, 1, 2]) as tf.Tensor4D;
    const infinite = tf.fill([1, 4, 4, 2], Infinity) as tf.Tensor4D;
    const good = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    if (backend === 'webgpu') {
      // In Node, webgpu cannot read synchronously, so 'auto' skips the check there and true fails loudly.
      expect(() => createBidirCorrelation(bad, f, {levels: 2})).not.toThrow();
      return;
    }
    expect(() => createBidirCorrelation(bad, f, {levels: 2})).toThrow('fmap0: expected finite values, but the tensor holds NaN or Infinity.');
    expect(() => createBidirCorrelation(f, bad, {levels: 2, mode: 'memory-light', checkFinite: true})).toThrow(/^fmap1: expected finite values/);
    expect(() => createBidirCorrelation(bad, f, {levels: 2, checkFinite: false})).not.toThrow();
    const corr = createBidirCorrelation(f, f, {levels: 2});
    expect(() => corr.lookup(good, infinite)).toThrow('coords1: expected finite values, but the tensor holds NaN or Infinity.');
    corr.dispose();
  });

  it('bidirCorrelationFeature: flow shape and timestep', () => {
    const f = fmap([1, 4, 4, 2]);
    const corr = createBidirCorrelation(f, f, {levels: 2});
    expect(() => bidirCorrelationFeature(corr, tf.zeros([1, 4, 4, 2]) as tf.Tensor4D)).toThrow(
        'flow: expected shape [1, 4, 4, 4] ([F_t→0 dx, dy, F_t→1 dx, dy] at the correlation\'s grid), got [1,4,4,2].');
    expect(() => bidirCorrelationFeature(corr, tf.zeros([1, 4, 4, 4]) as tf.Tensor4D, {timestep: 1}))
        .toThrow('timestep: expected a number strictly between 0 and 1, got 1.');
    expect(() => bidirCorrelationFeature(corr, tf.zeros([1, 4, 4, 4]) as tf.Tensor4D, {downsample: 2})).toThrow(
        'flow: expected shape [1, 8, 8, 4] ([F_t→0 dx, dy, F_t→1 dx, dy] at 2x the correlation\'s grid), got [1,4,4,4].');
    expect(() => bidirCorrelationFeature(corr, tf.zeros([1, 4, 4, 4]) as tf.Tensor4D, {downsample: 0.5}))
        .toThrow('downsample: expected an integer >= 1, got 0.5.');
    expect(() => bidirCorrelationFeature({} as never, tf.zeros([1, 4, 4, 4]) as tf.Tensor4D))
        .toThrow('corr: expected a BidirCorrelation from createBidirCorrelation.');
    corr.dispose();
  });
});

describe('estimateBytes input checks', () => {
  it('names the bad argument', () => {
    expect(() => estimateBytes(0, 10)).toThrow('height: expected an integer >= 1, got 0.');
    expect(() => estimateBytes(10, 10.5)).toThrow('width: expected an integer >= 1, got 10.5.');
    expect(() => estimateBytes(10, 10, {channels: 0})).toThrow('channels: expected an integer >= 1, got 0.');
    expect(() => estimateBytes(10, 10, {batch: -1})).toThrow('batch: expected an integer >= 1, got -1.');
    expect(() => estimateBytes(4, 40, {levels: 4})).toThrow(/^levels: 4 pyramid levels need a feature map of at least 8x8/);
  });
});
