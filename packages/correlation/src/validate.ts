// Input checks shared by both correlation modes. Every message names the argument, what was expected
// and what was received.
import * as tf from '@tensorflow/tfjs';
import {HOST_BACKENDS} from '@daek/flow-ops';

/** Shape of a feature map pair: [batch, height, width, channels]. */
export type FeatureShape = [number, number, number, number];

function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor of shape [${value.shape}]`;
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Throw unless `value` is a float32 rank-4 tensor; returns it typed. */
export function expectFloat4D(value: unknown, name: string, expected: string): tf.Tensor4D {
  if (!(value instanceof tf.Tensor) || value.rank !== 4 || value.dtype !== 'float32') {
    throw new Error(`${name}: expected a float32 tensor ${expected}, got ${describe(value)}.`);
  }
  if (value.isDisposed) throw new Error(`${name}: the tensor has been disposed.`);
  return value as tf.Tensor4D;
}

/** Check the two NHWC feature maps and return their common shape. */
export function checkFeatureMaps(fmap0: unknown, fmap1: unknown): FeatureShape {
  const f0 = expectFloat4D(fmap0, 'fmap0', '[batch, height, width, channels] (NHWC)');
  const f1 = expectFloat4D(fmap1, 'fmap1', '[batch, height, width, channels] (NHWC)');
  if (f0.shape.some((d) => d < 1)) throw new Error(`fmap0: every dimension must be at least 1, got [${f0.shape}].`);
  if (!f0.shape.every((d, i) => d === f1.shape[i])) {
    throw new Error(`fmap1: expected the shape of fmap0 [${f0.shape}], got [${f1.shape}].`);
  }
  return [...f0.shape] as FeatureShape;
}

/** Throw unless `value` is an integer in [min, max]. */
export function checkInteger(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new Error(`${name}: expected an integer ${range}, got ${String(value)}.`);
  }
  return value;
}

/**
 * Sizes of the pyramid levels: level i is floor(size / 2^i), exactly what i rounds of 2x2 'valid'
 * average pooling give. Throws when a level would be empty.
 */
export function levelSizes(height: number, width: number, levels: number): [number, number][] {
  const sizes: [number, number][] = [];
  let h = height, w = width;
  for (let i = 0; i < levels; i++) {
    if (h < 1 || w < 1) {
      throw new Error(`levels: ${levels} pyramid levels need a feature map of at least ${2 ** (levels - 1)}x` +
          `${2 ** (levels - 1)} (height x width), got ${height}x${width}; level ${i} would be ${h}x${w}. ` +
          `Use fewer levels or larger feature maps.`);
    }
    sizes.push([h, w]);
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  return sizes;
}

/** Check one lookup coordinate tensor: [batch, height, width, 2] (x, y) on the feature grid. */
export function checkCoords(value: unknown, name: string, shape: FeatureShape): tf.Tensor4D {
  const [batch, height, width] = shape;
  const expected = `[${batch}, ${height}, ${width}, 2] ((x, y) pixel positions on the feature grid)`;
  const coords = expectFloat4D(value, name, expected);
  const [b, h, w, c] = coords.shape;
  if (b !== batch || h !== height || w !== width || c !== 2) {
    throw new Error(`${name}: expected shape ${expected}, got [${coords.shape}].`);
  }
  return coords;
}

/** True for the backends whose tensors live in host memory (cpu, wasm): @daek/flow-ops' HOST_BACKENDS. */
export function isHostBackend(backend: string): boolean {
  return (HOST_BACKENDS as readonly string[]).includes(backend);
}

/** Resolve the `checkFinite` option for the active backend: 'auto' checks where tensors live in host memory. */
export function shouldCheckFinite(option: boolean | 'auto'): boolean {
  return option === 'auto' ? isHostBackend(tf.getBackend()) : option;
}

/**
 * Throw if `tensor` holds NaN or ±Infinity. This reads one number back from the backend (a sync), which
 * is why the factory lets callers switch it off.
 */
export function checkFinite(tensor: tf.Tensor, name: string): void {
  // x * 0 is 0 for finite x and NaN for NaN and ±Infinity, so one sum tells.
  const probe = tf.tidy(() => tf.sum(tf.mul(tensor, tf.scalar(0))));
  const total = probe.dataSync()[0];
  probe.dispose();
  if (!Number.isFinite(total)) {
    throw new Error(`${name}: expected finite values, but the tensor holds NaN or Infinity.`);
  }
}
