// Memory-light correlation lookup on average-pooled features (spec §7.2): average pooling and bilinear
// sampling are linear, so sampling the pooled correlation map of pixel p at position s equals
// <query(p), bilinear(avgpool^i(key), s)> / sqrt(C). No (hw)^2 volume is ever formed.
import * as tf from '@tensorflow/tfjs';
import {bilinearSampler} from '@daek/flow-ops';
import {windowOffsets} from './window.js';
import {hasWindowCorrelationKernel, windowCorrelation} from './window_correlation.js';

/**
 * Pool a `[B, H, W, C]` feature map `levels - 1` times (2x2, stride 2, floor). Level 0 is a view of the map
 * itself: a same-shape reshape shares the buffer on every backend (tf.clone copies it on wasm), and keeps
 * it alive if the caller disposes their tensor first.
 */
export function featurePyramid(features: tf.Tensor4D, levels: number): tf.Tensor4D[] {
  return tf.tidy(() => {
    const pyramid = [tf.reshape(features, features.shape) as tf.Tensor4D];
    for (let i = 1; i < levels; i++) pyramid.push(tf.avgPool(pyramid[i - 1], 2, 2, 'valid'));
    return pyramid;
  });
}

/**
 * Row-wise dot products `[N, K, C] x [N, C, 1] -> [N, K, 1]` as a batched matMul (the cpu backend's
 * broadcasting multiply is ~20x slower), with a gradient that uses only flag-free matMuls on reshaped
 * views: tfjs's own matMul gradient uses transpose flags, about 13x slower on wasm (design/backends.md §2).
 */
const rowDot = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [sampled, query, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([sampled, query]);
  return {
    value: tf.matMul(sampled, query),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedSampled, savedQuery] = saved as tf.Tensor3D[];
      const [rows, window, channels] = savedSampled.shape;
      return [
        // d sampled[n,k,c] = dy[n,k] * query[n,c]: an outer product per row.
        tf.matMul(dy as tf.Tensor3D, tf.reshape(savedQuery, [rows, 1, channels])),
        // d query[n,c] = Σ_k dy[n,k] * sampled[n,k,c].
        tf.reshape(tf.matMul(tf.reshape(dy, [rows, 1, window]), savedSampled), [rows, channels, 1]),
      ];
    },
  };
});

/**
 * Correlation of each query pixel with one pooled key level, in the (2r+1)^2 window around
 * `coords / 2^level`: `[B, h, w, (2r+1)^2]`, AMT's channel order. All tensors are already checked.
 * On cpu and wasm this is one fused kernel ({@link windowCorrelation}); elsewhere it samples the key
 * with @daek/flow-ops' bilinear sampler and takes the dot products with a batched matMul.
 *
 * @param query `[B, h, w, C]` features of the pixels that look up (not yet scaled).
 * @param key `[B, H_i, W_i, C]` the other frame's features, average-pooled `level` times.
 * @param coords `[B, h, w, 2]` (x, y) positions at full feature resolution.
 */
export function lookupFeatureLevel(query: tf.Tensor4D, key: tf.Tensor4D, coords: tf.Tensor4D, level: number,
    radius: number, scale: number): tf.Tensor4D {
  if (hasWindowCorrelationKernel()) return windowCorrelation(query, key, coords, {radius, level, scale});
  return composedFeatureLevel(query, key, coords, level, radius, scale);
}

/** {@link lookupFeatureLevel} composed from ops: the bilinear sampler, then batched dot products. Any backend. */
export function composedFeatureLevel(query: tf.Tensor4D, key: tf.Tensor4D, coords: tf.Tensor4D, level: number,
    radius: number, scale: number): tf.Tensor4D {
  const [batch, height, width, channels] = query.shape;
  const side = 2 * radius + 1;
  return tf.tidy(() => {
    const centre = tf.div(tf.reshape(coords, [batch, height * width, 1, 2]), tf.scalar(2 ** level));
    const window = tf.add(centre, windowOffsets(radius, [1, 1, side * side, 2])) as tf.Tensor4D;
    const sampled = bilinearSampler(key, window, {padding: 'zeros', checkFinite: false});
    const rows = batch * height * width;
    const dot = rowDot(tf.reshape(sampled, [rows, side * side, channels]), tf.reshape(query, [rows, channels, 1]));
    return tf.reshape(tf.mul(dot, tf.scalar(scale)), [batch, height, width, side * side]) as tf.Tensor4D;
  });
}
