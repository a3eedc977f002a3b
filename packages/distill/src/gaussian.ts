// The two filters of RIFE's Laplacian pyramid (model/laplacian.py L10-48; spec §2.3, §7.10) as ops with their own
// gradients, NHWC:
//   gaussDown(x) = conv_gauss(x)[:, :, ::2, ::2]           (the next level)
//   gaussUp(d)   = conv_gauss(zero_insert(d), 4·kernel)     (RIFE's `upsample`)
// with conv_gauss = reflect-pad 2, then the depthwise 5×5 Gaussian. Forward and backward are both made of forward
// ops (MirrorPad, depthwise conv, pad, slice, reshape) that every backend has: wasm has no depthwise-conv backprop
// kernels, and tfjs's MirrorPad gradient drops the reflected part, so autograd through the plain ops would not do.
// The shapes of the slices and pads are chosen for wasm, whose slice/concat copy one innermost row at a time.
import * as tf from '@tensorflow/tfjs';
import {assertImage} from './validate.js';

/**
 * One axis of RIFE's 5×5 kernel: `outer([1,4,6,4,1], [1,4,6,4,1]) / 256` is the outer product of this with
 * itself. Every product is exact in float32.
 */
export const GAUSS_TAPS: readonly number[] = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

type Padding4 = [[number, number], [number, number], [number, number], [number, number]];
const REFLECT_2: Padding4 = [[0, 0], [2, 2], [2, 2], [0, 0]];
const FULL_CONV_PAD: Padding4 = [[0, 0], [4, 4], [4, 4], [0, 0]];

/** RIFE's `gain · gauss_kernel(channels)` as a depthwise filter `[5,5,C,1]`; symmetric, so its own flip. */
function gaussKernel(channels: number, gain: number): tf.Tensor4D {
  const values = new Float32Array(25 * channels);
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      values.fill(GAUSS_TAPS[i]! * GAUSS_TAPS[j]! * gain, (i * 5 + j) * channels, (i * 5 + j + 1) * channels);
    }
  }
  return tf.tensor4d(values, [5, 5, channels, 1]);
}

/** `x[:, start:start+size]` along H (axis 1) or W (axis 2), reshaped so each copied run is a whole row or more. */
function sliceAxis(x: tf.Tensor4D, axis: 1 | 2, start: number, size: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (axis === 1) {
    return tf.reshape(tf.slice(tf.reshape(x, [b, h, w * c]), [0, start, 0], [b, size, w * c]), [b, size, w, c]);
  }
  return tf.reshape(tf.slice(tf.reshape(x, [b * h, w * c]), [0, start * c], [b * h, size * c]), [b, h, size, c]);
}

/** Zero rows (axis 1) or columns (axis 2) before and after. */
function padAxis(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  const paddings: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
  paddings[axis] = [before, after];
  return tf.pad(x, paddings);
}

/**
 * Adjoint of `F.pad(·, 2, 'reflect')` along one axis: padded rows 0, 1, n+2, n+3 are copies of rows 2, 1, n−2,
 * n−3, so their gradient is added back there. `g` has n+4 rows; the result has n (n ≥ 3).
 */
function reflectPadAdjoint(g: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
  const n = g.shape[axis] - 4;
  const row = (i: number, size = 1) => sliceAxis(g, axis, i, size);
  const top = tf.concat([row(1), row(0)], axis);           // adds to rows 1, 2
  const bottom = tf.concat([row(n + 3), row(n + 2)], axis); // adds to rows n−3, n−2
  if (n < 6) return tf.addN([row(2, n), padAxis(top, axis, 1, n - 3), padAxis(bottom, axis, n - 3, 1)]);
  // rows 0 | 1..2 | 3..n−4 | n−3..n−2 | n−1 of the interior (g's rows 2..n+1), with the two corrections added
  return tf.concat([
    row(2), tf.add(row(3, 2), top), row(5, n - 6), tf.add(row(n - 1, 2), bottom), row(n + 1),
  ], axis) as tf.Tensor4D;
}

/** `x[:, ::2, ::2]` for even H and W: a 1×1 depthwise convolution with weight 1 and stride 2 (exact). */
function takeEven(x: tf.Tensor4D): tf.Tensor4D {
  return tf.depthwiseConv2d(x, tf.ones([1, 1, x.shape[3], 1]) as tf.Tensor4D, 2, 'valid');
}

/** RIFE's zero insertion: `out[2i, 2j] = x[i, j]`, zero at every odd row or column; `[B,h,w,C] → [B,2h,2w,C]`. */
export function zeroInsert2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const interleaveZeros = [[0, 0], [0, 0], [0, 1], [0, 0]] as [number, number][];
  // Rank 4 throughout (webgpu's shaders index at most 4 dimensions this way): a zero after every column, then a
  // zero row after every row.
  return tf.tidy(() => {
    const columns = tf.reshape(tf.pad(tf.reshape(x, [b * h, w, 1, c]), interleaveZeros), [b, h, 1, 2 * w * c]);
    return tf.reshape(tf.pad(columns, interleaveZeros), [b, 2 * h, 2 * w, c]);
  });
}

/** Gradient of conv_gauss (pad + valid conv) with respect to its input, given the gradient of its full output. */
function convGaussAdjoint(dy: tf.Tensor4D, gain: number): tf.Tensor4D {
  // The transposed valid convolution is the full one (pad 4) with the flipped kernel, here the same kernel; it gives
  // the gradient of the padded input, which the reflect padding's adjoint folds back.
  const padded = tf.depthwiseConv2d(dy, gaussKernel(dy.shape[3], gain), 1, FULL_CONV_PAD);
  return reflectPadAdjoint(reflectPadAdjoint(padded, 1), 2);
}

const down = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  return {
    // conv_gauss then [::2, ::2] is the stride-2 convolution: the same products and sums at the kept positions.
    value: tf.depthwiseConv2d(tf.mirrorPad(x, REFLECT_2, 'reflect'), gaussKernel(x.shape[3], 1), 2, 'valid'),
    gradFunc: (dy: tf.Tensor) => convGaussAdjoint(zeroInsert2(dy as tf.Tensor4D), 1),
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

const up = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  return {
    value: tf.depthwiseConv2d(tf.mirrorPad(zeroInsert2(x), REFLECT_2, 'reflect'), gaussKernel(x.shape[3], 4), 1, 'valid'),
    gradFunc: (dy: tf.Tensor) => takeEven(convGaussAdjoint(dy as tf.Tensor4D, 4)),
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * `conv_gauss(x)[:, :, ::2, ::2]` (NCHW indexing): RIFE's low-pass and downsample, `[B,H,W,C] → [B,H/2,W/2,C]`.
 * Differentiable on every backend. H and W even and ≥ 4.
 */
export function gaussDown(x: tf.Tensor4D): tf.Tensor4D {
  assertImage('gaussDown', 'x', x, '[B,H,W,C]');
  const [, h, w] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0 || h < 4 || w < 4) {
    throw new Error(`gaussDown: H and W must be even and at least 4; got [${x.shape}] (pad or crop the image)`);
  }
  return down(x);
}

/**
 * RIFE's `upsample(x)` = `conv_gauss(zero_insert(x), 4·kernel)`, `[B,h,w,C] → [B,2h,2w,C]`. Differentiable on every
 * backend. h, w ≥ 2.
 */
export function gaussUp(x: tf.Tensor4D): tf.Tensor4D {
  assertImage('gaussUp', 'x', x, '[B,h,w,C]');
  if (x.shape[1] < 2 || x.shape[2] < 2) throw new Error(`gaussUp: h and w must be at least 2; got [${x.shape}]`);
  return up(x);
}
