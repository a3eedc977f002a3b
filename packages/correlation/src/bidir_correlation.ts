// The bidirectional correlation block (spec §1.6; AMT raft.py BidirCorrBlock L142-207): build once from
// two feature maps, then look up windows around any number of coordinate fields.
import * as tf from '@tensorflow/tfjs';
import {correlationPyramid, correlationScale} from './correlation_pyramid.js';
import {featurePyramid, lookupFeatureLevel} from './feature_lookup.js';
import {featureLookupRowBytes} from './memory_estimate.js';
import {resolveOptions, type BidirCorrelationOptions, type CorrelationMode} from './options.js';
import {lookupPyramid} from './pyramid_lookup.js';
import {checkCoords, checkFeatureMaps, checkFinite, levelSizes, shouldCheckFinite, type FeatureShape} from './validate.js';

/** The two halves of a bidirectional lookup. */
export interface BidirCorrelationLookup {
  /** `[B, h, w, levels*(2r+1)^2]`: frame-0 pixels against frame 1, read at `coords0` (AMT's first output). */
  corr0: tf.Tensor4D;
  /** `[B, h, w, levels*(2r+1)^2]`: frame-1 pixels against frame 0, read at `coords1` (AMT's second output). */
  corr1: tf.Tensor4D;
}

/**
 * A built bidirectional correlation: AMT's `BidirCorrBlock`. Create it with {@link createBidirCorrelation},
 * call {@link BidirCorrelation.lookup} as often as needed, then {@link BidirCorrelation.dispose} it.
 */
export interface BidirCorrelation {
  /** How the correlation is computed. */
  readonly mode: CorrelationMode;
  /** Number of pyramid levels. */
  readonly levels: number;
  /** Window radius r. */
  readonly radius: number;
  /** Shape `[B, h, w, C]` of the feature maps it was built from; coordinates must be `[B, h, w, 2]`. */
  readonly featureShape: readonly [number, number, number, number];
  /** Channels of {@link BidirCorrelation.lookup}'s result: `2 * levels * (2r+1)^2` (392 for 4 levels, radius 3). */
  readonly outputChannels: number;
  /** True once {@link BidirCorrelation.dispose} was called. */
  readonly disposed: boolean;
  /**
   * Look up both directions and concatenate them on the channel axis: `cat(corr0, corr1)`,
   * `[B, h, w, 2*levels*(2r+1)^2]`. Channel `d*L*K + i*K + a*(2r+1) + b` (K = (2r+1)^2) is direction d,
   * level i, x offset `a - r`, y offset `b - r`: AMT's order, where the OUTER window index moves x.
   *
   * @param coords0 `[B, h, w, 2]` (x, y) positions in frame 1's feature grid where each frame-0 pixel looks.
   * @param coords1 `[B, h, w, 2]` (x, y) positions in frame 0's feature grid where each frame-1 pixel looks.
   */
  lookup(coords0: tf.Tensor4D, coords1: tf.Tensor4D): tf.Tensor4D;
  /** The same lookup as {@link BidirCorrelation.lookup}, with the two directions returned separately. */
  lookupSeparate(coords0: tf.Tensor4D, coords1: tf.Tensor4D): BidirCorrelationLookup;
  /** Release the volume or feature pyramids. The feature maps passed in are never disposed. */
  dispose(): void;
}

interface Direction {
  /** Rows [start, end) of this direction's result, `[B, end-start, w, levels*(2r+1)^2]`. */
  rows(coords: tf.Tensor4D, start: number, end: number): tf.Tensor4D;
}

function sliceRows<T extends tf.Tensor4D>(x: T, start: number, end: number): T {
  if (start === 0 && end === x.shape[1]) return x;
  return tf.slice(x, [0, start, 0, 0], [x.shape[0], end - start, x.shape[2], x.shape[3]]) as T;
}

/**
 * Build a bidirectional correlation of two feature maps (AMT `BidirCorrBlock(fmap0, fmap1, num_levels,
 * radius)`): `corr = <f0, f1> / sqrt(C)` for every pixel pair and its transpose, 2x average-pooled into
 * `levels` levels, read in a `(2r+1)^2` window with bilinear interpolation and zero padding.
 *
 * The result owns tensors until {@link BidirCorrelation.dispose}; the inputs are not disposed. Build it
 * inside `tf.grad` / `tf.variableGrads` (together with the lookups) to differentiate with respect to the
 * feature maps; the lookups are also differentiable with respect to the coordinates. Works on every
 * tfjs backend.
 *
 * Deviation from AMT, documented: AMT's sampler normalises coordinates by `(W_i - 1)`, so a 1-pixel-wide
 * (or tall) level makes its whole output NaN. This port samples in pixel coordinates, which is the same
 * arithmetic for every other size and the continuous value at 1 px: it never returns NaN for finite input.
 * A level smaller than 1 px (too many levels for the size) throws.
 *
 * Memory: all-pairs holds both volume pyramids, `2·B·hw·Σ_i H_i·W_i` floats; memory-light holds only the
 * pooled feature levels (level 0 is a view of the inputs, no copy) and computes each lookup in row chunks.
 * See {@link estimateBytes}.
 *
 * @param fmap0 `[B, h, w, C]` features of frame 0 (NHWC, float32).
 * @param fmap1 `[B, h, w, C]` features of frame 1, same shape.
 * @param options levels (4), radius (3), mode (`'all-pairs'`), chunkBytes, checkFinite.
 *
 * @example
 * ```ts
 * const corr = createBidirCorrelation(fmap0, fmap1, {levels: 4, radius: 3, mode: 'memory-light'});
 * const grid = coordsGrid(batch, h, w);
 * const features = corr.lookup(grid.add(flow1), grid.add(flow0));   // [B, h, w, 392]
 * corr.dispose();
 * ```
 */
export function createBidirCorrelation(fmap0: tf.Tensor4D, fmap1: tf.Tensor4D,
    options?: BidirCorrelationOptions): BidirCorrelation {
  const shape = checkFeatureMaps(fmap0, fmap1);
  const resolved = resolveOptions(options);
  const {levels, radius, mode, chunkBytes} = resolved;
  const [batch, height, width, channels] = shape;
  levelSizes(height, width, levels);
  if (shouldCheckFinite(resolved.checkFinite)) {
    checkFinite(fmap0, 'fmap0');
    checkFinite(fmap1, 'fmap1');
  }

  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    owned.push(tf.keep(t));
    return t;
  };
  let directions: [Direction, Direction];
  let rowsPerChunk: number;
  if (mode === 'all-pairs') {
    const pyramid = correlationPyramid(fmap0, fmap1, levels);
    const corr = pyramid.corr.map(keep);
    const corrTransposed = pyramid.corrTransposed.map(keep);
    // All rows at once: the lookup's temporaries are small next to the volume.
    rowsPerChunk = height;
    directions = [
      {rows: (coords) => lookupPyramid(corr, coords, radius)},
      {rows: (coords) => lookupPyramid(corrTransposed, coords, radius)},
    ];
  } else {
    const pyramid0 = featurePyramid(fmap0, levels).map(keep);
    const pyramid1 = featurePyramid(fmap1, levels).map(keep);
    const scale = correlationScale(channels);
    rowsPerChunk = Math.max(1, Math.min(height, Math.floor(chunkBytes / featureLookupRowBytes(batch, width, channels, radius, tf.getBackend()))));
    const direction = (query: tf.Tensor4D, keys: tf.Tensor4D[]): Direction => ({
      rows: (coords, start, end) => tf.tidy(() => {
        const queryRows = sliceRows(query, start, end);
        const coordsRows = sliceRows(coords, start, end);
        const perLevel = keys.map((key, i) => lookupFeatureLevel(queryRows, key, coordsRows, i, radius, scale));
        return perLevel.length === 1 ? perLevel[0] : tf.concat(perLevel, 3);
      }),
    });
    directions = [direction(pyramid0[0], pyramid1), direction(pyramid1[0], pyramid0)];
  }

  let disposed = false;
  const checkLookup = (coords0: unknown, coords1: unknown): [tf.Tensor4D, tf.Tensor4D] => {
    if (disposed) throw new Error('BidirCorrelation: lookup after dispose(); build a new one with createBidirCorrelation.');
    const c0 = checkCoords(coords0, 'coords0', shape);
    const c1 = checkCoords(coords1, 'coords1', shape);
    if (shouldCheckFinite(resolved.checkFinite)) {
      checkFinite(c0, 'coords0');
      checkFinite(c1, 'coords1');
    }
    return [c0, c1];
  };
  // Row chunks, each computed and released before the next (memory-light); one chunk for all-pairs.
  const chunks = (): [number, number][] => {
    const list: [number, number][] = [];
    for (let start = 0; start < height; start += rowsPerChunk) list.push([start, Math.min(height, start + rowsPerChunk)]);
    return list;
  };
  const concatRows = (parts: tf.Tensor4D[]): tf.Tensor4D => parts.length === 1 ? parts[0] : tf.concat(parts, 1);

  return {
    mode, levels, radius,
    featureShape: Object.freeze([...shape]) as unknown as FeatureShape,
    outputChannels: 2 * levels * (2 * radius + 1) ** 2,
    get disposed() {
      return disposed;
    },
    lookup(coords0, coords1) {
      const [c0, c1] = checkLookup(coords0, coords1);
      return tf.tidy(() => concatRows(chunks().map(([start, end]) => tf.tidy(() =>
        tf.concat([directions[0].rows(c0, start, end), directions[1].rows(c1, start, end)], 3)))));
    },
    lookupSeparate(coords0, coords1) {
      const [c0, c1] = checkLookup(coords0, coords1);
      return tf.tidy(() => ({
        corr0: concatRows(chunks().map(([start, end]) => directions[0].rows(c0, start, end))),
        corr1: concatRows(chunks().map(([start, end]) => directions[1].rows(c1, start, end))),
      }));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose(owned);
      owned.length = 0;
    },
  };
}
