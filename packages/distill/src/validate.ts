import * as tf from '@tensorflow/tfjs';

/** Throw unless `x` is a float32 NHWC tensor of rank 4; `expected` describes the shape for the message. */
export function assertImage(op: string, arg: string, x: unknown, expected: string): asserts x is tf.Tensor4D {
  if (!(x instanceof tf.Tensor)) throw new TypeError(`${op}: '${arg}' must be a tf.Tensor ${expected}; got ${describe(x)}`);
  if (x.rank !== 4) throw new Error(`${op}: '${arg}' must have rank 4, shape ${expected} (NHWC); got shape [${x.shape}]`);
  if (x.dtype !== 'float32') throw new Error(`${op}: '${arg}' must be float32; got ${x.dtype} (cast it with .toFloat())`);
}

/** Throw unless `a` and `b` have the same shape. */
export function assertSameShape(op: string, nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: '${nameA}' [${a.shape}] and '${nameB}' [${b.shape}] must have the same shape`);
  }
}

/** Throw unless `a` and `b` share batch, height and width (their channel counts may differ). */
export function assertSameGrid(op: string, nameA: string, a: tf.Tensor4D, nameB: string, b: tf.Tensor4D): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2]) {
    throw new Error(`${op}: '${nameA}' [${a.shape}] and '${nameB}' [${b.shape}] must share batch, height and width ` +
        '(give every tensor at full resolution)');
  }
}

/** Throw unless `value` is a finite number satisfying `ok`; `rule` says what is allowed. */
export function assertNumber(op: string, arg: string, value: unknown, ok: (v: number) => boolean, rule: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new Error(`${op}: '${arg}' must be ${rule}; got ${describe(value)}`);
  }
  return value;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor of shape [${value.shape}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return String(value);
}
