import * as tf from '@tensorflow/tfjs';
import {assertImageLike, resizeBilinear, scalePair, type ResizeScale} from './resize.js';
import {assertFinite, type FiniteCheck} from './validate.js';

/** Options of {@link resizeFlow}. */
export interface ResizeFlowOptions {
  /**
   * Throw if `flow` holds NaN or ±Infinity. Default `'auto'`: checked on cpu and wasm only, since on
   * a GPU backend the check is a synchronous read-back (see {@link FiniteCheck}).
   */
  checkFinite?: FiniteCheck;
}

/**
 * Resize a flow field and scale its vectors with it (the RIFE / AMT convention): the spatial
 * resize is {@link resizeBilinear} `{scale}` (PyTorch's `F.interpolate(..., align_corners=False)`),
 * then the displacements, which are in pixels, are multiplied by the same factor:
 * RIFE's Contextnet `interpolate(flow, 0.5) * 0.5`, IFBlock `interpolate(flow, 1/s) * 1/s` and
 * `interpolate(flow, 2s) * 2s` (spec §7.3).
 *
 * Channels are `(dx, dy)` pairs: 2 for one flow, 4 for `[F_t→0, F_t→1]`, any even count. With
 * `[scaleY, scaleX]` each dx is multiplied by `scaleX` and each dy by `scaleY`. Differentiable with
 * respect to `flow`.
 *
 * NaN and Infinity throw on cpu and wasm; see {@link ResizeFlowOptions} `checkFinite`.
 *
 * @param flow float32 `[B,H,W,2k]` or `[H,W,2k]`, in pixels.
 * @param scale a number > 0 or `[scaleY, scaleX]`.
 * @returns the flow at `floor(H·scaleY)×floor(W·scaleX)`, in pixels of that resolution.
 *
 * @example
 * ```ts
 * const quarter = resizeFlow(flow, 0.25);   // [1,64,112,4] from [1,256,448,4], vectors ×0.25
 * ```
 */
export function resizeFlow<T extends tf.Tensor3D | tf.Tensor4D>(flow: T, scale: ResizeScale,
    options: ResizeFlowOptions = {}): T {
  const op = 'resizeFlow';
  assertImageLike(op, 'flow', flow, '2k');
  const channels = flow.shape[flow.rank - 1];
  if (channels % 2 !== 0) {
    throw new Error(`${op}: 'flow' must have an even number of channels, (dx, dy) pairs: [B,H,W,2k] or [H,W,2k]; ` +
        `got shape [${flow.shape}]`);
  }
  const [scaleY, scaleX] = scalePair(op, 'scale', scale);
  assertFinite(op, 'flow', flow, options.checkFinite);
  return tf.tidy(() => {
    const resized = resizeBilinear(flow, {scale: [scaleY, scaleX]});
    if (scaleY === scaleX) return tf.mul(resized, scaleX) as T;
    const perChannel = Array.from({length: channels}, (_, c) => (c % 2 === 0 ? scaleX : scaleY));
    return tf.mul(resized, tf.tensor1d(perChannel)) as T;
  });
}
