// RIFE's Laplacian-pyramid L1 loss, `model/laplacian.py` LapLoss(max_levels=5, channels=3) (spec §2.3, §7.10).
import * as tf from '@tensorflow/tfjs';
import {absTorch} from './abs.js';
import {meanAll} from './mean.js';
import {gaussDown, gaussUp} from './gaussian.js';
import {assertImage, assertNumber, assertSameShape} from './validate.js';

/** Options of {@link lapLoss} and {@link laplacianPyramid}. */
export interface LapLossOptions {
  /** Number of band-pass levels, RIFE's `max_levels`; default 5. H and W must be multiples of `2^maxLevels`. */
  maxLevels?: number;
}

function checkLevels(op: string, x: tf.Tensor4D, options: LapLossOptions): number {
  const levels = assertNumber(op, 'maxLevels', options.maxLevels ?? 5, (v) => Number.isInteger(v) && v >= 1,
      'an integer ≥ 1');
  const [, height, width] = x.shape;
  const multiple = 2 ** levels;
  for (const [name, size] of [['height', height], ['width', width]] as const) {
    // Each level halves the image and the zero-inserted upsample must come back to the same size (even sizes
    // throughout); the coarsest band-pass level is size/2^(levels-1) ≥ 4, since reflect padding by 2 needs > 2.
    if (size % multiple !== 0 || size < 2 * multiple) {
      throw new Error(`${op}: ${name} ${size} must be a multiple of ${multiple} and at least ${2 * multiple} for ` +
          `maxLevels ${levels} (RIFE trains on 224×224 crops; pad or crop the frames, e.g. padToMultiple from ` +
          '@daek/flow-ops with 32, or lower maxLevels)');
    }
  }
  return levels;
}

/**
 * The band-pass levels of RIFE's Laplacian pyramid of `x` (NHWC): for each of `maxLevels` levels,
 * `filtered = conv_gauss(current)`, `down = filtered[::2, ::2]`, `up = conv_gauss(zero_insert(down), 4·kernel)`,
 * level = `current − up`, then `current = down`. The final low-pass residual is not returned (RIFE's loss does
 * not use it). `conv_gauss` = reflect pad 2 + the 5×5 kernel `outer([1,4,6,4,1])/256` per channel.
 * Differentiable on every backend. Any channel count.
 *
 * @param x `[B,H,W,C]` with H and W multiples of `2^maxLevels` and at least `2^(maxLevels+1)` (64 for 5 levels).
 * @returns `maxLevels` tensors, `[B,H/2^l,W/2^l,C]` for l = 0…maxLevels−1; the caller owns them.
 */
export function laplacianPyramid(x: tf.Tensor4D, options: LapLossOptions = {}): tf.Tensor4D[] {
  assertImage('laplacianPyramid', 'x', x, '[B,H,W,C]');
  const levels = checkLevels('laplacianPyramid', x, options);
  return tf.tidy(() => {
    const pyramid: tf.Tensor4D[] = [];
    let current = x;
    for (let level = 0; level < levels; level++) {
      const down = gaussDown(current);   // conv_gauss(current)[:, :, ::2, ::2]
      const up = gaussUp(down);          // conv_gauss(zero_insert(down), 4·kernel)
      pyramid.push(tf.sub(current, up));
      current = down;
    }
    return pyramid;
  });
}

/**
 * RIFE's `LapLoss()(pred, target)`, the reconstruction loss of DAEK (spec §2.3, `L_rec` and `L_rec_tea`): the sum
 * over the `maxLevels` band-pass levels of the mean absolute difference (`F.l1_loss`, mean over batch, pixels and
 * channels) between the two Laplacian pyramids (see {@link laplacianPyramid}; the low-pass residual is not part of
 * the loss).
 *
 * The pyramid is linear, so this builds one pyramid of `pred − target` instead of two: the same loss, up to float32
 * rounding (checked against RIFE's own numbers in the tests), at half the cost. The gradient of |·| is PyTorch's
 * (0 where the levels agree exactly), not tfjs's (−1 there). Differentiable on every backend, with respect to
 * both arguments.
 *
 * @param pred `[B,H,W,C]` float32 NHWC, e.g. the interpolated frame in [0,1]; H and W multiples of 32 and ≥ 64 for
 *   the default 5 levels.
 * @param target same shape, e.g. the ground-truth frame.
 * @returns a scalar the caller owns.
 *
 * @example
 * ```ts
 * const rec = lapLoss(output, gt);                 // L_rec
 * const recTeacher = lapLoss(teacherMerged, gt);   // L_rec_tea
 * ```
 */
export function lapLoss(pred: tf.Tensor4D, target: tf.Tensor4D, options: LapLossOptions = {}): tf.Scalar {
  assertImage('lapLoss', 'pred', pred, '[B,H,W,C]');
  assertImage('lapLoss', 'target', target, '[B,H,W,C]');
  assertSameShape('lapLoss', 'pred', pred, 'target', target);
  checkLevels('lapLoss', pred, options);
  return tf.tidy(() => {
    const levels = laplacianPyramid(tf.sub(pred, target), options);
    // RIFE: sum(F.l1_loss(a, b) for a, b in zip(...)), added level by level in this order.
    return levels.map((level) => meanAll(absTorch(level))).reduce((sum, term) => tf.add(sum, term)) as tf.Scalar;
  });
}
