// DAEK's bidirectional correlation volume feature, BCV (paper Fig. 2; spec §1.6): the correlation looked up
// where the current flow says each pixel moves, as AMT's `_corr_scale_lookup` does (AMT-L.py L59-72).
import * as tf from '@tensorflow/tfjs';
import {coordsGrid, resizeFlow} from '@daek/flow-ops';
import type {BidirCorrelation} from './bidir_correlation.js';
import {expectFloat4D} from './validate.js';

/** Options of {@link bidirCorrelationFeature}. */
export interface BidirCorrelationFeatureOptions {
  /** Time t of the frame being interpolated, in (0, 1) (default 0.5, the only one DAEK uses). */
  timestep?: number;
  /**
   * The flow is given at `downsample` times the correlation's resolution (default 1): it is first resized
   * to the correlation's grid and its vectors scaled by `1/downsample`, with @daek/flow-ops' `resizeFlow`
   * (PyTorch's `F.interpolate(scale_factor=1/downsample)`), as AMT's `_corr_scale_lookup` does for its
   * 1/4 and 1/2 resolution updates (downsample 2 and 4). Use `resizeFlow` too if you need that flow.
   */
  downsample?: number;
}

/**
 * DAEK's BCV: look up `corr` where the intermediate-frame flow points, AMT's `_corr_scale_lookup` at
 * `embt = t`: `coords0 = grid + F_t→1 / t`, `coords1 = grid + F_t→0 / (1 - t)`, result `cat(corr0, corr1)`.
 * With t = 0.5 that is spec §1.6's `corr_fn(coord + 2*flow8[:,2:4], coord + 2*flow8[:,0:2])`.
 * Differentiable with respect to the flow (and the features, when `corr` was built under the same `tf.grad`).
 *
 * @param corr a correlation built from the 1/8-resolution feature maps.
 * @param flow `[B, h, w, 4]` flow at the correlation's resolution, in its pixels:
 *   `[F_t→0 dx, F_t→0 dy, F_t→1 dx, F_t→1 dy]` (DAEK's `flow8` = full-res flow resized by 1/8, times 1/8);
 *   or `[B, h*ds, w*ds, 4]` at a finer resolution with `{downsample: ds}`.
 * @returns `[B, h, w, corr.outputChannels]` (392 for 4 levels, radius 3).
 */
export function bidirCorrelationFeature(corr: BidirCorrelation, flow: tf.Tensor4D,
    options: BidirCorrelationFeatureOptions = {}): tf.Tensor4D {
  if (corr == null || typeof corr.lookup !== 'function') {
    throw new Error('corr: expected a BidirCorrelation from createBidirCorrelation.');
  }
  const [batch, height, width] = corr.featureShape;
  const downsample = options.downsample ?? 1;
  if (typeof downsample !== 'number' || !Number.isInteger(downsample) || downsample < 1) {
    throw new Error(`downsample: expected an integer >= 1, got ${String(downsample)}.`);
  }
  const expected = `[${batch}, ${height * downsample}, ${width * downsample}, 4] ` +
      `([F_t→0 dx, dy, F_t→1 dx, dy] at ${downsample === 1 ? 'the correlation\'s grid' : `${downsample}x the correlation's grid`})`;
  const flow4 = expectFloat4D(flow, 'flow', expected);
  if (flow4.shape[0] !== batch || flow4.shape[1] !== height * downsample || flow4.shape[2] !== width * downsample ||
      flow4.shape[3] !== 4) {
    throw new Error(`flow: expected shape ${expected}, got [${flow4.shape}].`);
  }
  const timestep = options.timestep ?? 0.5;
  if (typeof timestep !== 'number' || !(timestep > 0 && timestep < 1)) {
    throw new Error(`timestep: expected a number strictly between 0 and 1, got ${String(timestep)}.`);
  }
  return tf.tidy(() => {
    const grid = coordsGrid(batch, height, width);
    const flowHere = downsample === 1 ? flow4 : resizeFlow(flow4, 1 / downsample, {checkFinite: false});
    const flowTo0 = tf.slice(flowHere, [0, 0, 0, 0], [batch, height, width, 2]);
    const flowTo1 = tf.slice(flowHere, [0, 0, 0, 2], [batch, height, width, 2]);
    // AMT: coord + flow1 * (1/embt), coord + flow0 * (1/(1-embt)).
    const coords0 = tf.add(grid, tf.mul(flowTo1, tf.scalar(1 / timestep))) as tf.Tensor4D;
    const coords1 = tf.add(grid, tf.mul(flowTo0, tf.scalar(1 / (1 - timestep)))) as tf.Tensor4D;
    return corr.lookup(coords0, coords1);
  });
}
