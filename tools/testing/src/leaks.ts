import {expect} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';

/**
 * Call `fn` `repeats` times (after one warm-up call, which may create cached constants) and expect
 * `tf.memory().numTensors` to be unchanged. Whatever `fn` returns is disposed after each call, since
 * returning a tensor to the caller is not a leak.
 */
export async function expectNoLeaks(fn: () => unknown, repeats = 3): Promise<void> {
  const dispose = async () => {
    const out = await fn();
    tf.dispose(out as tf.TensorContainer);
  };
  await dispose();
  const before = tf.memory().numTensors;
  for (let i = 0; i < repeats; i++) await dispose();
  expect(tf.memory().numTensors).toBe(before);
}
