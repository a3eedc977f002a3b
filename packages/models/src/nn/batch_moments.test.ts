import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {ParamStore} from '../params.js';
import {batchMoments, BatchNorm2d, NORM_EPSILON} from './encoder.js';

/**
 * Activation-like data: every channel around 1.5-2.5 with a spread of about 1, the case where a float32 sum
 * taken one value after another (tfjs-wasm) drifts (issue 13: 1.1e-6 on the running mean at 16,384 values).
 */
function activations(shape: [number, number, number, number], seed: number): Float32Array {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const channels = shape[3];
  for (let i = 0; i < data.length; i++) {
    data[i] = 1.5 + (i % channels) * 0.3 + Math.sin(i * 0.7071 + seed) * 0.9 + ((i * 2654435761 + seed) % 1000) / 2000;
  }
  return data;
}

/** Per-channel biased mean and variance in float64, from the float32 values: the independent reference. */
function float64Moments(data: Float32Array, channels: number): {mean: number[]; variance: number[]} {
  const count = data.length / channels;
  const mean = Array.from({length: channels}, (_, c) => {
    let sum = 0;
    for (let i = c; i < data.length; i += channels) sum += data[i]!;
    return sum / count;
  });
  const variance = mean.map((m, c) => {
    let sum = 0;
    for (let i = c; i < data.length; i += channels) sum += (data[i]! - m) ** 2;
    return sum / count;
  });
  return {mean, variance};
}

const maxError = (actual: ArrayLike<number>, expected: ArrayLike<number>) =>
  Array.from(expected).reduce((worst, e, i) => Math.max(worst, Math.abs(actual[i]! - e)), 0);

describeWithBackends('BatchNorm batch statistics against float64 (issue 13, item 9)', () => {
  // 4 images of 128x128 through a stride-2 conv: 16,384 values per channel, as in the issue.
  const shape: [number, number, number, number] = [4, 64, 64, 4];
  const data = activations(shape, 1);
  const reference = float64Moments(data, shape[3]);

  it('batchMoments: mean and variance within 1.5e-7 of float64 over 16,384 values per channel', async () => {
    const x = tf.tensor4d(data, shape);
    const {mean, variance} = batchMoments(x);
    // float32 spacing at 2 is 2.4e-7: the error stays under one unit in the last place.
    expect(maxError(await mean.data(), reference.mean)).toBeLessThan(1.5e-7);
    expect(maxError(await variance.data(), reference.variance)).toBeLessThan(1.5e-7);
    await expectNoLeaks(() => batchMoments(x));
    tf.dispose([x, mean, variance]);
  });

  it('a training-mode BatchNorm2d: output and running statistics match float64 (train-mode parity with 4+ images)', async () => {
    const store = new ParamStore();
    const norm = new BatchNorm2d({store, prefix: 'bn'}, shape[3]);
    const gamma = [0.5, 1.5, -1, 2];
    const beta = [0.1, -0.2, 0.3, 0];
    norm.weight.assign(tf.tensor1d(gamma));
    norm.bias.assign(tf.tensor1d(beta));
    const [mean0, var0] = [await norm.runningMean.data(), await norm.runningVar.data()];
    const x = tf.tensor4d(data, shape);
    const y = await norm.apply(x, {training: true}).data();
    const count = data.length / shape[3];
    const expectedY = Array.from(data, (v, i) => {
      const c = i % shape[3];
      return (v - reference.mean[c]!) / Math.sqrt(reference.variance[c]! + NORM_EPSILON) * gamma[c]! + beta[c]!;
    });
    expect(maxError(y, expectedY)).toBeLessThan(1e-6);
    const runningMean = reference.mean.map((m, c) => 0.9 * mean0[c]! + 0.1 * m);
    const runningVar = reference.variance.map((v, c) => 0.9 * var0[c]! + 0.1 * v * count / (count - 1));
    expect(maxError(await norm.runningMean.data(), runningMean)).toBeLessThan(1e-7);
    expect(maxError(await norm.runningVar.data(), runningVar)).toBeLessThan(1e-7);
    tf.dispose(x);
    store.dispose();
  });

  it('gradients through the batch statistics match the float64 BatchNorm backward', async () => {
    const small: [number, number, number, number] = [4, 8, 8, 3];
    const values = activations(small, 2);
    const upstream = activations(small, 3).map((v) => v - 2);
    const store = new ParamStore();
    const norm = new BatchNorm2d({store, prefix: 'bn'}, small[3]);
    const gamma = [0.7, -1.2, 1.9];
    norm.weight.assign(tf.tensor1d(gamma));
    const x = tf.tensor4d(values, small);
    const g = tf.tensor4d(upstream, small);
    const dx = await tf.grad((input: tf.Tensor) => tf.sum(tf.mul(norm.apply(input as tf.Tensor4D, {training: true, updateStats: false}), g)))(x).data();
    // dx = γ/σ · (g - mean(g) - x̂·mean(g·x̂)) per channel, in float64.
    const channels = small[3];
    const {mean, variance} = float64Moments(values, channels);
    const count = values.length / channels;
    const expected = new Float64Array(values.length);
    for (let c = 0; c < channels; c++) {
      const sigma = Math.sqrt(variance[c]! + NORM_EPSILON);
      let meanG = 0;
      let meanGx = 0;
      for (let i = c; i < values.length; i += channels) {
        const xhat = (values[i]! - mean[c]!) / sigma;
        meanG += upstream[i]! / count;
        meanGx += upstream[i]! * xhat / count;
      }
      for (let i = c; i < values.length; i += channels) {
        const xhat = (values[i]! - mean[c]!) / sigma;
        expected[i] = gamma[c]! / sigma * (upstream[i]! - meanG - xhat * meanGx);
      }
    }
    const scale = Math.max(...Array.from(expected, Math.abs));
    expect(maxError(dx, expected) / scale).toBeLessThan(1e-5);
    tf.dispose([x, g]);
    store.dispose();
  });
}, {only: ['cpu', 'wasm']});
