import * as tf from '@tensorflow/tfjs';
import {assertImageLike} from './resize.js';

/** Pixels added on each side of the height and width axes by {@link padToMultiple}. */
export interface Padding {
  /** Rows added above. */
  top: number;
  /** Rows added below. */
  bottom: number;
  /** Columns added on the left. */
  left: number;
  /** Columns added on the right. */
  right: number;
}

/** How {@link padToMultiple} fills the new pixels. */
export type PadMode = 'replicate' | 'zero';

/** Options of {@link padToMultiple}. */
export interface PadToMultipleOptions {
  /**
   * `'replicate'` (default) repeats the edge pixels, as AMT's `InputPadder` (spec A20);
   * `'zero'` fills with 0, as RIFE's `inference_img.py`.
   */
  mode?: PadMode;
  /**
   * Pad a smaller height or width up to at least this many pixels (still a multiple of `multiple`).
   * DAEK needs 128 (spec §1.1): below it the coarsest correlation level is 1 px.
   */
  minSize?: number;
}

/** A padded tensor and the padding to undo with {@link cropPadding}. */
export interface Padded<T extends tf.Tensor> {
  /** The padded tensor, same rank and dtype as the input. */
  padded: T;
  /** What was added, for {@link cropPadding}. */
  padding: Padding;
}

/**
 * The padding of one axis: up to the next multiple of `multiple` (at least `minSize`), split with
 * the smaller half before, as AMT's `InputPadder`: `pad = (((n // m) + 1)·m − n) % m`,
 * `before = pad // 2`, `after = pad − before`.
 */
export function axisPadding(size: number, multiple: number, minSize = 0): [number, number] {
  const target = Math.ceil(Math.max(size, minSize) / multiple) * multiple;
  const pad = target - size;
  const before = Math.floor(pad / 2);
  return [before, pad - before];
}

/** Repeat the edge rows/columns of `x` (rank 4) `before` and `after` times along `axis`. */
function replicateAxis(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  if (before === 0 && after === 0) return x;
  const size = x.shape[axis];
  const parts: tf.Tensor4D[] = [];
  const edge = (start: number, times: number) => {
    const begin = [0, 0, 0, 0], extent = [-1, -1, -1, -1], reps = [1, 1, 1, 1];
    begin[axis] = start;
    extent[axis] = 1;
    reps[axis] = times;
    return tf.tile(tf.slice(x, begin, extent), reps) as tf.Tensor4D;
  };
  if (before > 0) parts.push(edge(0, before));
  parts.push(x);
  if (after > 0) parts.push(edge(size - 1, after));
  return tf.concat(parts, axis);
}

function assertPositiveInteger(op: string, arg: string, v: unknown): void {
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) {
    throw new Error(`${op}: '${arg}' must be a positive integer; got ${JSON.stringify(v) ?? String(v)}`);
  }
}

/**
 * Pad the height and width of an image (or any NHWC tensor) up to a multiple of `multiple`,
 * centred as AMT's `InputPadder` (spec A20): `pad_h = (((H // m) + 1)·m − H) % m`, top
 * `pad_h // 2`, bottom the rest; the same for the width. With `minSize`, a smaller axis is padded up
 * to the smallest multiple of `multiple` that is at least `minSize`, split the same way (DAEK pads
 * frames below 128 px, spec §1.1). Replicate padding repeats the edge pixel any number of times,
 * so it works for padding wider than the image.
 *
 * Differentiable with respect to `x` on every backend (built from slice, tile and concat).
 *
 * @param x float32 or int32 `[B,H,W,C]` or `[H,W,C]`.
 * @param multiple a positive integer, e.g. 32.
 * @returns the padded tensor and the {@link Padding} that {@link cropPadding} removes.
 *
 * @example
 * ```ts
 * const {padded, padding} = padToMultiple(frame, 32);  // 720×1280 → 736×1280, 8 rows on top and bottom
 * const output = cropPadding(model(padded), padding);
 * ```
 */
export function padToMultiple<T extends tf.Tensor3D | tf.Tensor4D>(x: T, multiple: number,
    options: PadToMultipleOptions = {}): Padded<T> {
  const op = 'padToMultiple';
  assertImageLike(op, 'x', x, 'C', ['float32', 'int32']);
  assertPositiveInteger(op, 'multiple', multiple);
  const {mode = 'replicate', minSize = 0} = options;
  if (mode !== 'replicate' && mode !== 'zero') {
    throw new Error(`${op}: 'options.mode' must be 'replicate' or 'zero'; got ${JSON.stringify(mode)}`);
  }
  if (options.minSize !== undefined) assertPositiveInteger(op, 'options.minSize', minSize);
  const rank4 = x.rank === 4;
  const [height, width] = rank4 ? x.shape.slice(1, 3) : x.shape.slice(0, 2);
  const [top, bottom] = axisPadding(height, multiple, minSize);
  const [left, right] = axisPadding(width, multiple, minSize);
  const padding = {top, bottom, left, right};
  const padded = tf.tidy(() => {
    const x4 = (rank4 ? x : tf.expandDims(x, 0)) as tf.Tensor4D;
    const y = mode === 'zero'
      ? tf.pad(x4, [[0, 0], [top, bottom], [left, right], [0, 0]])
      : replicateAxis(replicateAxis(x4, 1, top, bottom), 2, left, right);
    const out = rank4 ? y : tf.squeeze(y, [0]);
    return (out === x ? tf.clone(x) : out) as T;
  });
  return {padded, padding};
}

/**
 * Remove the padding that {@link padToMultiple} added: the inverse crop (AMT `InputPadder.unpad`).
 * Differentiable with respect to `x`.
 *
 * @param x `[B,H,W,C]` or `[H,W,C]` at the padded size (any dtype).
 * @param padding the {@link Padding} returned with the padded tensor.
 * @returns `x` without the padding.
 */
export function cropPadding<T extends tf.Tensor3D | tf.Tensor4D>(x: T, padding: Padding): T {
  const op = 'cropPadding';
  if (!(x instanceof tf.Tensor) || (x.rank !== 3 && x.rank !== 4)) {
    throw new Error(`${op}: 'x' must be a tf.Tensor of shape [B,H,W,C] or [H,W,C]; got ` +
        `${x instanceof tf.Tensor ? `shape [${(x as tf.Tensor).shape}]` : typeof x}`);
  }
  const sides = ['top', 'bottom', 'left', 'right'] as const;
  if (padding == null || !sides.every((s) => Number.isInteger(padding[s]) && padding[s] >= 0)) {
    throw new Error(`${op}: 'padding' must be {top, bottom, left, right}, integers >= 0; got ${JSON.stringify(padding)}`);
  }
  const rank4 = x.rank === 4;
  const [height, width] = rank4 ? x.shape.slice(1, 3) : x.shape.slice(0, 2);
  const {top, bottom, left, right} = padding;
  if (top + bottom >= height || left + right >= width) {
    throw new Error(`${op}: 'padding' ${JSON.stringify(padding)} leaves nothing of the ${height}×${width} ` +
        `input in 'x' (shape [${x.shape}]); was 'x' resized after padding?`);
  }
  const outHeight = height - top - bottom, outWidth = width - left - right;
  return (rank4
    ? tf.slice(x, [0, top, left, 0], [-1, outHeight, outWidth, -1])
    : tf.slice(x, [top, left, 0], [outHeight, outWidth, -1])) as T;
}
