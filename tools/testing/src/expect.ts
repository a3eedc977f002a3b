import {expect} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';

type Numeric = ArrayLike<number> | tf.Tensor;

async function toArray(x: Numeric): Promise<ArrayLike<number>> {
  return x instanceof tf.Tensor ? (await x.data()) as ArrayLike<number> : x;
}

/** Largest absolute difference between two arrays of equal length (NaN if either holds NaN there). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): {max: number; index: number} {
  let max = 0, index = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) { max = d; index = i; }
    if (Number.isNaN(d)) return {max: NaN, index: i};
  }
  return {max, index};
}

/**
 * Expect two arrays (or tensors) to agree within `atol` absolute everywhere. On failure the message
 * names the first worst element, both values and the difference.
 */
export async function expectClose(actual: Numeric, expected: Numeric, atol: number, what = 'values'): Promise<void> {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    expect(actual.shape).toEqual(expected.shape);
  }
  const a = await toArray(actual);
  const e = await toArray(expected);
  expect(a.length).toBe(e.length);
  const {max, index} = maxAbsDiff(a, e);
  if (!(max <= atol)) {
    throw new Error(`${what}: max |actual - expected| = ${max} > ${atol} at flat index ${index} ` +
        `(actual ${a[index]}, expected ${e[index]})`);
  }
}
