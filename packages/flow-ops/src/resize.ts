import * as tf from '@tensorflow/tfjs';
import {clearResizeMatrices, ensureResizeKernel, RESIZE_BILINEAR, type ResizeBilinearAttrs} from './resize_kernel.js';

/** A resize factor: one number for both axes, or `[scaleY, scaleX]`. */
export type ResizeScale = number | readonly [number, number];

/**
 * Options of {@link resizeBilinear}: exactly one of `scale` or `size`.
 */
export type ResizeOptions =
  | {
    /** Factor of the output size: `outH = floor(H·scaleY)`, `outW = floor(W·scaleX)`. */
    scale: ResizeScale;
    /**
     * PyTorch's `recompute_scale_factor=True`: sample with the in/out ratio instead of the given
     * factor. Default `false`, as every upstream call (RIFE, AMT). The two differ only when the
     * factor does not divide the size, e.g. 17 px at 0.5.
     */
    recomputeScaleFactor?: boolean;
    /** Not with `scale`. */
    size?: never;
  }
  | {
    /** Output `[height, width]`; the sampling step is in/out, as PyTorch's `size=`. */
    size: readonly [number, number];
    /** Not with `size`. */
    scale?: never;
    /** Not with `size`. */
    recomputeScaleFactor?: never;
  };

/** The validated sizes and factors of a resize. */
export interface ResizePlan {
  outHeight: number;
  outWidth: number;
  inverseScaleY: number;
  inverseScaleX: number;
}

function isPositiveFinite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** Validate the scale of a resize and return `[scaleY, scaleX]`. */
export function scalePair(op: string, arg: string, scale: unknown): [number, number] {
  const pair = typeof scale === 'number' ? [scale, scale] : scale;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(isPositiveFinite)) {
    throw new Error(`${op}: '${arg}' must be a finite number > 0 or a pair [scaleY, scaleX] of them; ` +
        `got ${JSON.stringify(scale)}`);
  }
  return [pair[0], pair[1]];
}

/** Turn resize options into output sizes and sampling steps for an input of `height`×`width`. */
export function planResize(op: string, height: number, width: number, options: ResizeOptions): ResizePlan {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: 'options' must be {scale} or {size: [outHeight, outWidth]}; got ${String(options)}`);
  }
  const hasScale = options.scale !== undefined;
  const hasSize = options.size !== undefined;
  if (hasScale === hasSize) {
    throw new Error(`${op}: 'options' must give exactly one of 'scale' or 'size'; got ${hasScale ? 'both' : 'neither'}`);
  }
  if (hasSize) {
    const size = options.size as unknown;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s > 0)) {
      throw new Error(`${op}: 'options.size' must be [outHeight, outWidth], positive integers; got ${JSON.stringify(size)}`);
    }
    const [outHeight, outWidth] = size as number[];
    return {outHeight, outWidth, inverseScaleY: Math.fround(height / outHeight), inverseScaleX: Math.fround(width / outWidth)};
  }
  const [scaleY, scaleX] = scalePair(op, 'options.scale', options.scale);
  const outHeight = Math.floor(height * scaleY);
  const outWidth = Math.floor(width * scaleX);
  if (outHeight < 1 || outWidth < 1) {
    throw new Error(`${op}: scale [${scaleY}, ${scaleX}] turns the ${height}×${width} input into ` +
        `${outHeight}×${outWidth}; the output needs at least 1×1`);
  }
  const recompute = options.recomputeScaleFactor === true;
  return {
    outHeight, outWidth,
    inverseScaleY: Math.fround(recompute ? height / outHeight : 1 / scaleY),
    inverseScaleX: Math.fround(recompute ? width / outWidth : 1 / scaleX),
  };
}

/** Throw unless `x` is a tensor of rank 3 `[H,W,C]` or 4 `[B,H,W,C]`, with no empty axis, of one of `dtypes`. */
export function assertImageLike(op: string, arg: string, x: unknown, channelsText = 'C',
    dtypes: readonly tf.DataType[] = ['float32']): asserts x is tf.Tensor3D | tf.Tensor4D {
  const expected = `[B,H,W,${channelsText}] or [H,W,${channelsText}]`;
  if (!(x instanceof tf.Tensor)) throw new TypeError(`${op}: '${arg}' must be a tf.Tensor of shape ${expected}; got ${typeof x}`);
  if (x.rank !== 3 && x.rank !== 4) throw new Error(`${op}: '${arg}' must have shape ${expected}; got shape [${x.shape}]`);
  if ((x.shape as number[]).some((d) => d === 0)) throw new Error(`${op}: '${arg}' must have no empty axis; got shape [${x.shape}]`);
  if (!dtypes.includes(x.dtype)) {
    throw new Error(`${op}: '${arg}' must be ${dtypes.join(' or ')}; got ${x.dtype} (cast it with tf.cast(x, 'float32'))`);
  }
}

/**
 * Bilinear resize with exactly PyTorch's `F.interpolate(x, scale_factor=s, mode='bilinear',
 * align_corners=False)` semantics (no antialias, `recompute_scale_factor` unset), the only resize
 * of RIFE, AMT and DAEK (spec §0, §7.3), and with a correct gradient on every backend.
 *
 * - `{scale}`: output `floor(in·s)`; output pixel `d` samples the input at
 *   `max(0, (d+0.5)/s − 0.5)`, using the given factor, not in/out. The two differ when `s` does not
 *   divide the size (17 px at 0.5 → 8 px with step 2, not 17/8); `tf.image.resizeBilinear` uses
 *   in/out, and its gradient is wrong with half-pixel centres (shared/design/backends.md §6).
 * - `{size: [h, w]}`: step in/out, as PyTorch's `size=`.
 * - An axis whose size does not change is copied unchanged, as in PyTorch.
 *
 * Runs as the kernel `'DaekResizeBilinear'` with a registered gradient (the transposed
 * interpolation). When the factor divides the size, the forward is `tf.image.resizeBilinear`'s
 * (exact there and fast); otherwise, and for every gradient, it is two matMuls with constant
 * interpolation matrices, cached per shape (see {@link clearResizeCache}). On that path a NaN or
 * Infinity in the input spreads along its whole row and column (0·NaN = NaN).
 *
 * @param x float32 `[B,H,W,C]` or `[H,W,C]`.
 * @param options `{scale}` (a number or `[scaleY, scaleX]`, > 0) or `{size: [outH, outW]}`.
 * @returns the resized tensor, same rank as `x`.
 *
 * @example
 * ```ts
 * const half = resizeBilinear(image, {scale: 0.5});        // [1,128,224,3] from [1,256,448,3]
 * const fixed = resizeBilinear(image, {size: [100, 150]});
 * ```
 */
export function resizeBilinear<T extends tf.Tensor3D | tf.Tensor4D>(x: T, options: ResizeOptions): T {
  const op = 'resizeBilinear';
  assertImageLike(op, 'x', x);
  const rank4 = x.rank === 4;
  const [inHeight, inWidth] = rank4 ? x.shape.slice(1, 3) : x.shape.slice(0, 2);
  const plan = planResize(op, inHeight, inWidth, options);
  ensureResizeKernel();
  const attrs: ResizeBilinearAttrs = {inHeight, inWidth, ...plan};
  return tf.tidy(() => {
    const x4 = rank4 ? x : tf.expandDims(x, 0);
    const y = tf.engine().runKernel(RESIZE_BILINEAR, {x: x4}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    return (rank4 ? y : tf.squeeze(y, [0])) as T;
  });
}

/**
 * Dispose the interpolation matrices that {@link resizeBilinear} caches on the active backend
 * (one pair per axis size and factor; a 1280→320 axis is 1.6 MB). They are rebuilt on demand.
 *
 * @returns how many cached matrices were disposed.
 */
export function clearResizeCache(): number {
  return clearResizeMatrices();
}
