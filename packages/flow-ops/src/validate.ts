import * as tf from '@tensorflow/tfjs';

/** Throw unless `x` is a tensor of rank `rank`; `expected` describes the shape for the message. */
export function assertRank(op: string, arg: string, x: tf.Tensor, rank: number, expected: string): void {
  if (!(x instanceof tf.Tensor)) throw new TypeError(`${op}: '${arg}' must be a tf.Tensor ${expected}`);
  if (x.rank !== rank) {
    throw new Error(`${op}: '${arg}' must have rank ${rank}, shape ${expected}; got shape [${x.shape}]`);
  }
  if (x.dtype !== 'float32') throw new Error(`${op}: '${arg}' must be float32; got ${x.dtype} (cast it with .toFloat())`);
}

/** Backends whose tensors live in host memory, where a finiteness check costs no device round trip. */
const HOST_MEMORY_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/**
 * How ops check their inputs for NaN/Infinity: `true` always, `false` never, `'auto'` (the default)
 * on host-memory backends (cpu, wasm) only, because on a GPU backend the check forces a synchronous
 * read-back every call (and in Node's webgpu a synchronous read is impossible).
 */
export type FiniteCheck = boolean | 'auto';

/** Throw if `x` holds NaN or ±Infinity, as `check` asks (see {@link FiniteCheck}). */
export function assertFinite(op: string, arg: string, x: tf.Tensor, check: FiniteCheck = 'auto'): void {
  if (check === false || (check === 'auto' && !HOST_MEMORY_BACKENDS.has(tf.getBackend()))) return;
  let bad: number;
  try {
    bad = tf.tidy(() => tf.logicalNot(tf.isFinite(x)).any().dataSync()[0]);
  } catch (error) {
    throw new Error(`${op}: cannot check '${arg}' for NaN/Infinity on the ${tf.getBackend()} backend ` +
        `(a synchronous read failed: ${(error as Error).message}); pass checkFinite: false or 'auto'`);
  }
  if (bad) throw new Error(`${op}: '${arg}' contains NaN or Infinity; clean the input (or check what produced it)`);
}
