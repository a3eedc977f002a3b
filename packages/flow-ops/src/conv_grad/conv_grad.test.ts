import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks, maxAbsDiff} from '@daek/testing';
import {useBackend} from '../backend.js';
import {filterGradient} from './backprop_filter.js';
import {inputGradient, inputGradientCol2im} from './backprop_input.js';
import {convGeometry, type ConvPad} from './geometry.js';
import {registerConvGradients, registerWasmConvGradients, unregisterConvGradients} from './register.js';

// The cpu backend's kernels as tfjs registered them, before any test registers the wasm ones.
const cpuKernels = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput].map((name) => tf.getKernel(name, 'cpu')?.kernelFunc);

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  batch: number;
  height: number;
  width: number;
  channels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: ConvPad;
}

/** Max |a - b| relative to max |b|. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  return maxAbsDiff(actual, expected).max / Math.max(scale, 1e-30);
}

/** dL/dx and dL/dw of L = Σ conv2d(x, w) ⊙ r on the active backend, with fixed x, w, r. */
async function convGrads(c: Case): Promise<[Float32Array, Float32Array]> {
  const x = tf.tensor4d(values(c.batch * c.height * c.width * c.channels, 1), [c.batch, c.height, c.width, c.channels]);
  const w = tf.tensor4d(values(c.kernel * c.kernel * c.channels * c.outChannels, 2),
      [c.kernel, c.kernel, c.channels, c.outChannels]);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
    return tf.sum(tf.mul(y, tf.tensor(values(y.size, 3), y.shape)));
  })([x, w]);
  const result: [Float32Array, Float32Array] = [await dx.data() as Float32Array, await dw.data() as Float32Array];
  tf.dispose([x, w, dx, dw]);
  return result;
}

/** Run `fn` on the cpu backend with tfjs' own conv-gradient kernels (the reference), then switch back to wasm. */
async function onCpu<T>(fn: () => Promise<T>): Promise<T> {
  await useBackend('cpu');
  unregisterConvGradients('cpu');
  try {
    return await fn();
  } finally {
    registerConvGradients('cpu');
    await useBackend('wasm');
  }
}

// Strides 1 and 2, kernels 1/3/7, 'valid'/'same'/numeric padding, odd and even sizes, batch 1 and 3,
// and both input-gradient paths (3 channels: col2im; 9 channels: per-phase convs).
const CASES: Case[] = [];
for (const kernel of [1, 3, 7]) {
  for (const stride of [1, 2]) {
    for (const pad of ['valid', 'same', Math.floor(kernel / 2)] as ConvPad[]) {
      for (const [height, width] of [[9, 8], [10, 11]]) {
        const i = CASES.length;
        CASES.push({batch: i % 2 === 0 ? 1 : 3, height, width, channels: i % 4 < 2 ? 3 : 9, outChannels: 5, kernel, stride, pad});
      }
    }
  }
}
CASES.push({batch: 2, height: 7, width: 9, channels: 4, outChannels: 6, kernel: 3, stride: 3, pad: 'same'});
CASES.push({batch: 1, height: 6, width: 6, channels: 8, outChannels: 3, kernel: 3, stride: 1, pad: 3}); // pad > kernel - 1
CASES.push({batch: 2, height: 8, width: 7, channels: 10, outChannels: 4, kernel: 3, stride: 2,
  pad: [[0, 0], [0, 2], [1, 0], [0, 0]]});
CASES.push({batch: 1, height: 12, width: 12, channels: 16, outChannels: 12, kernel: 4, stride: 2, pad: 1});

describeWithBackends('conv2d gradient kernels (wasm, and cpu below)', () => {
  it.each(CASES.map((c) => [JSON.stringify(c), c] as const))('tf.grads of conv2d equals the cpu backend: %s', async (_, c) => {
    const [dxCpu, dwCpu] = await onCpu(() => convGrads(c));
    const [dx, dw] = await convGrads(c);
    expect(relativeError(dx, dxCpu)).toBeLessThan(1e-5);
    expect(relativeError(dw, dwCpu)).toBeLessThan(1e-5);
  });

  it('trains a fused conv2d with bias and PReLU under tf.variableGrads like the cpu backend', async () => {
    const run = async () => {
      const w = tf.variable(tf.tensor4d(values(3 * 3 * 6 * 10, 4), [3, 3, 6, 10]));
      const b = tf.variable(tf.tensor1d(values(10, 5)));
      const alpha = tf.variable(tf.tensor1d(values(10, 6).map((v) => 0.25 + 0.1 * v)));
      const w2 = tf.variable(tf.tensor4d(values(1 * 1 * 10 * 4, 7), [1, 1, 10, 4]));
      const x = tf.tensor4d(values(2 * 11 * 10 * 6, 8), [2, 11, 10, 6]);
      const {value, grads} = tf.variableGrads(() => {
        const h = tf.fused.conv2d({x, filter: w as tf.Tensor4D, strides: 2, pad: 1, bias: b, activation: 'prelu',
          preluActivationWeights: alpha});
        const y = tf.fused.conv2d({x: h, filter: w2 as tf.Tensor4D, strides: 1, pad: 'valid', activation: 'relu'});
        return tf.mean(tf.square(y));
      }, [w, b, alpha, w2]);
      const out = [await value.data(), ...await Promise.all([w, b, alpha, w2].map((v) => grads[v.name].data()))];
      tf.dispose([value, x, w, b, alpha, w2, ...Object.values(grads)]);
      return out;
    };
    const expected = await onCpu(run);
    const actual = await run();
    actual.forEach((a, i) => expect(relativeError(a, expected[i])).toBeLessThan(1e-5));
  });

  it('serves tf.conv2dTranspose (Conv2DBackpropInput) and its gradients like the cpu backend', async () => {
    const run = async () => {
      const y = tf.tensor4d(values(2 * 5 * 6 * 7, 9), [2, 5, 6, 7]);
      const w = tf.tensor4d(values(4 * 4 * 3 * 7, 10), [4, 4, 3, 7]);
      const transposed = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 10, 12, 3], 2, 'same');
      const x = transposed(y, w);
      const [dy, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(transposed(a, b), tf.tensor(values(2 * 10 * 12 * 3, 21), [2, 10, 12, 3]))))([y, w]);
      const out = [await x.data(), await dy.data(), await dw.data()];
      tf.dispose([y, w, x, dy, dw]);
      return out;
    };
    const expected = await onCpu(run);
    const actual = await run();
    actual.forEach((a, i) => expect(relativeError(a, expected[i])).toBeLessThan(1e-5));
  });

  it('accepts NCHW like the cpu backend', async () => {
    const attrs = {strides: 2, pad: 1, dataFormat: 'NCHW', dimRoundingMode: undefined};
    const run = async () => {
      const x = tf.tensor4d(values(2 * 4 * 7 * 6, 11), [2, 4, 7, 6]);
      const dy = tf.tensor4d(values(2 * 5 * 4 * 3, 12), [2, 5, 4, 3]);
      const w = tf.tensor4d(values(3 * 3 * 4 * 5, 13), [3, 3, 4, 5]);
      const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, {x, dy},
          {...attrs, filterShape: w.shape} as unknown as tf.NamedAttrMap) as tf.Tensor;
      const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, {dy, filter: w},
          {...attrs, inputShape: x.shape} as unknown as tf.NamedAttrMap) as tf.Tensor;
      const out = [await dw.data(), await dx.data()];
      tf.dispose([x, dy, w, dw, dx]);
      return out;
    };
    const expected = await onCpu(run);
    const actual = await run();
    actual.forEach((a, i) => expect(relativeError(a, expected[i])).toBeLessThan(1e-5));
  });

  it('gives the same filter and input gradients whatever the chunking and input-gradient path', async () => {
    const x = tf.tensor4d(values(3 * 9 * 10 * 12, 14), [3, 9, 10, 12]);
    const dy = tf.tensor4d(values(3 * 5 * 5 * 7, 15), [3, 5, 5, 7]);
    const w = tf.tensor4d(values(3 * 3 * 12 * 7, 16), [3, 3, 12, 7]);
    const g = convGeometry(x.shape, w.shape, dy.shape, 2, 'same');
    const backend = tf.backend();
    const whole = await filterGradient(x, dy, g, backend).data();
    // 3·3·12 = 108 floats per pixel: 7 pixels a chunk, so chunks start and end inside output rows.
    const chunked = await filterGradient(x, dy, g, backend, 108 * 7).data();
    expect(relativeError(chunked, whole)).toBeLessThan(1e-6);
    const phases = await inputGradient(dy, w, g, backend).data();
    const col2im = await inputGradientCol2im(dy, w, g, backend, 108 * 7).data();
    expect(relativeError(col2im, phases)).toBeLessThan(1e-6);
  });

  it('does not leak tensors', async () => {
    const x = tf.tensor4d(values(2 * 9 * 8 * 9, 17), [2, 9, 8, 9]);
    const w = tf.tensor4d(values(3 * 3 * 9 * 5, 18), [3, 3, 9, 5]);
    const x3 = tf.tensor4d(values(2 * 9 * 8 * 3, 19), [2, 9, 8, 3]);
    const w3 = tf.tensor4d(values(7 * 7 * 3 * 5, 20), [7, 7, 3, 5]);
    const grads = (a: tf.Tensor4D, b: tf.Tensor4D, stride: number) =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.square(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, stride, 'same')).sum())([a, b]);
    await expectNoLeaks(() => [...grads(x, w, 1), ...grads(x, w, 2), ...grads(x3, w3, 2)]);
  });

  it('registers idempotently', () => {
    const before = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
    registerWasmConvGradients();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(before);
  });
}, {only: ['wasm']});

describeWithBackends('conv2d gradient kernels on the cpu backend', () => {
  it('useBackend(\'cpu\') replaces the cpu backend\'s own kernels; unregistering puts them back', async () => {
    await useBackend('cpu');
    expect(cpuKernels[0]).toBeDefined();
    const ours = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput].map((name) => tf.getKernel(name, 'cpu')?.kernelFunc);
    expect(ours[0]).not.toBe(cpuKernels[0]);
    expect(ours[1]).not.toBe(cpuKernels[1]);
    unregisterConvGradients('cpu');
    expect([tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput].map((name) => tf.getKernel(name, 'cpu')?.kernelFunc)).toEqual(cpuKernels);
    registerConvGradients('cpu');
    registerConvGradients('cpu');
    expect([tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput].map((name) => tf.getKernel(name, 'cpu')?.kernelFunc)).toEqual(ours);
  });

  it.each(CASES.filter((_, i) => i % 3 === 0).map((c) => [JSON.stringify(c), c] as const))(
    'tf.grads of conv2d equals tfjs\' own cpu kernels: %s', async (_, c) => {
      unregisterConvGradients('cpu');
      let reference: [Float32Array, Float32Array];
      try {
        reference = await convGrads(c);
      } finally {
        registerConvGradients('cpu');
      }
      const [dx, dw] = await convGrads(c);
      expect(relativeError(dx, reference[0])).toBeLessThan(1e-5);
      expect(relativeError(dw, reference[1])).toBeLessThan(1e-5);
    });

  it('keeps the wasm registration apart, and the old name still registers wasm', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmConvGradients();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')!.kernelFunc).toBe(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')!.kernelFunc);
    expect(() => registerConvGradients('webgl' as 'cpu')).toThrow(/expected 'wasm' or 'cpu'/);
  });
}, {only: ['cpu']});
