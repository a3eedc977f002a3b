import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks} from '@daek/testing';
import {useBackend} from './node.js';
import {registerWasmCopyKernels, unregisterWasmCopyKernels} from './copy_kernels.js';

// Each case runs with tfjs's own kernels and with ours, on wasm: the outputs (and gradients) must be identical.
type Case = () => tf.Tensor[];
const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

const CASES: Record<string, Case> = {
  'channel concat of NHWC tensors (short rows)': () =>
    [tf.concat([seeded([2, 5, 7, 3], 1), seeded([2, 5, 7, 2], 2), seeded([2, 5, 7, 1], 3)], 3)],
  'concat on an inner axis (long rows)': () => [tf.concat([seeded([2, 3, 40], 4), seeded([2, 5, 40], 5)], 1)],
  'concat with an empty input, and int32 and bool': () => [
    tf.concat([seeded([3, 4], 6), tf.zeros([3, 0]), seeded([3, 2], 7)], 1),
    tf.concat([tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), tf.tensor2d([[5], [6]], [2, 1], 'int32')], 1),
    tf.concat([tf.tensor2d([[true], [false]]), tf.tensor2d([[false, true], [true, true]])], 1)],
  'channel slices of NHWC (flow = x[..., 0:2], mask = x[..., 4])': () => {
    const x = seeded([2, 6, 9, 5], 8);
    return [tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 2]), tf.slice(x, [0, 0, 0, 4], [-1, -1, -1, 1]),
      tf.slice(x, [1, 2, 3, 1], [1, 3, 4, 3])];
  },
  'slices of rank 2, 3, 5 and int32, long rows and contiguous ones': () => [
    tf.slice(seeded([7, 50], 9), [1, 3], [4, 40]), tf.slice(seeded([4, 5, 6], 10), [1, 1, 2], [2, 3, 3]),
    tf.slice(seeded([2, 3, 4, 5, 6], 11), [0, 1, 1, 2, 3], [2, 2, 2, 2, 2]),
    tf.slice(tf.range(0, 60, 1, 'int32').reshape([3, 4, 5]), [0, 1, 1], [3, 2, 3]),
    tf.slice(seeded([4, 5, 6], 12), [1, 0, 0], [2, 5, 6])],
  'gradients through concat and slice': () => {
    const a = seeded([1, 4, 5, 3], 13);
    const b = seeded([1, 4, 5, 2], 14);
    const f = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.slice(tf.concat([p, q], 3), [0, 1, 0, 1], [1, 2, 5, 3])));
    return tf.grads(f)([a, b]);
  },
};

async function outputs(): Promise<Record<string, Float32Array[] | Int32Array[] | Uint8Array[]>> {
  const result: Record<string, Float32Array[] | Int32Array[] | Uint8Array[]> = {};
  for (const [name, run] of Object.entries(CASES)) {
    const tensors = tf.tidy(run);
    result[name] = tensors.map((t) => t.dataSync()) as Float32Array[];
    tf.dispose(tensors);
  }
  return result;
}

it('Concat and Slice on wasm: identical to tfjs-backend-wasm\'s own kernels, gradients included, leak-free', async () => {
  await useBackend('wasm');
  unregisterWasmCopyKernels();
  const theirs = await outputs();
  registerWasmCopyKernels();
  registerWasmCopyKernels(); // idempotent
  expect(tf.getKernel(tf.Concat, 'wasm')).toBeDefined();
  const ours = await outputs();
  for (const name of Object.keys(CASES)) {
    expect([name, ours[name]]).toEqual([name, theirs[name]]);
  }
  await expectNoLeaks(async () => {
    tf.dispose(tf.tidy(CASES['channel concat of NHWC tensors (short rows)']!));
    tf.dispose(tf.tidy(CASES['gradients through concat and slice']!));
  });
});
