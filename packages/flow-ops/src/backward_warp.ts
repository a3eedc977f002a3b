import * as tf from '@tensorflow/tfjs';
import {sampleBilinear} from './bilinear_sampler.js';
import {assertFinite, assertRank, type FiniteCheck} from './validate.js';

/** Options of {@link backwardWarp}. */
export interface BackwardWarpOptions {
  /** Throw if `flow` holds NaN/Infinity; default `'auto'` (see {@link FiniteCheck}). */
  checkFinite?: FiniteCheck;
}

/**
 * Backward warp, RIFE's `warp(img, flow)`: `out[b,y,x] = bilinear(image[b], x + dx, y + dy)` with the
 * position clamped into the image (border padding, align_corners=True), so outside gives the edge value.
 * Any batch and channel count. Differentiable with respect to `image` and `flow` on every backend;
 * where the clamp is active the flow gradient is 0, as in PyTorch.
 *
 * @param image `[B,H,W,C]`.
 * @param flow `[B,H,W,2]`: (dx, dy) in pixels.
 *
 * @example
 * ```ts
 * const warped0 = backwardWarp(frame0, flow.slice([0, 0, 0, 0], [-1, -1, -1, 2]));
 * ```
 */
export function backwardWarp(image: tf.Tensor4D, flow: tf.Tensor4D, options: BackwardWarpOptions = {}): tf.Tensor4D {
  assertRank('backwardWarp', 'image', image, 4, '[B,H,W,C]');
  assertRank('backwardWarp', 'flow', flow, 4, '[B,H,W,2] (dx, dy in pixels)');
  const [batch, height, width] = image.shape;
  if (flow.shape[3] !== 2) {
    throw new Error(`backwardWarp: 'flow' must have 2 channels (dx, dy); got shape [${flow.shape}]. ` +
        'For a 4-channel bidirectional flow, slice channels 0:2 for frame 0 and 2:4 for frame 1.');
  }
  if (flow.shape[0] !== batch || flow.shape[1] !== height || flow.shape[2] !== width) {
    throw new Error(`backwardWarp: 'flow' must be [${batch},${height},${width},2] to match 'image' [${image.shape}]; ` +
        `got [${flow.shape}]. Resize the flow with resizeFlow() first.`);
  }
  assertFinite('backwardWarp', 'flow', flow, options.checkFinite);
  return sampleBilinear(image, flow, 'border', true);
}
