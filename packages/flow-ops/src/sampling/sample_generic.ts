import * as tf from '@tensorflow/tfjs';
import type {SamplePadding} from './kernel_names.js';

/**
 * The sampler written with tfjs ops (gather / scatterND), for backends whose data the host cannot
 * loop over (webgpu, webgl). Same semantics as the host loops in `sample_host.ts`.
 */

interface Tap {
  /** Row index into the image flattened to [B*H*W, C]; clamped into range, weight zero when invalid. */
  index: tf.Tensor1D;
  /** Bilinear weight times validity, [N, 1]. */
  weight: tf.Tensor2D;
  /** 1 where the tap lies inside the image, [N, 1]. */
  valid: tf.Tensor2D;
}

interface Taps {
  taps: [Tap, Tap, Tap, Tap];
  fx: tf.Tensor2D;
  fy: tf.Tensor2D;
  /** Gradient factor of the (clamped) position: 0 where `border` clamped it. */
  gx: tf.Tensor2D;
  gy: tf.Tensor2D;
}

/** Turn displacement coords into absolute positions (output pixel + displacement). */
export function absoluteCoords(coords: tf.Tensor4D, relative: boolean): tf.Tensor4D {
  if (!relative) return coords;
  const [, outHeight, outWidth] = coords.shape;
  const xs = tf.range(0, outWidth, 1, 'float32').reshape([1, 1, outWidth, 1]).tile([1, outHeight, 1, 1]);
  const ys = tf.range(0, outHeight, 1, 'float32').reshape([1, outHeight, 1, 1]).tile([1, 1, outWidth, 1]);
  return coords.add(tf.concat([xs, ys], 3));
}

function computeTaps(imageShape: number[], coords: tf.Tensor4D, padding: SamplePadding): Taps {
  const [batch, height, width] = imageShape;
  const [, outHeight, outWidth] = coords.shape;
  const n = batch * outHeight * outWidth;
  const flat = coords.reshape([n, 2]);
  let x = flat.slice([0, 0], [n, 1]) as tf.Tensor2D;
  let y = flat.slice([0, 1], [n, 1]) as tf.Tensor2D;
  let gx = tf.onesLike(x), gy = tf.onesLike(y);
  if (padding === 'border') {
    gx = tf.logicalAnd(x.greater(0), x.less(width - 1)).cast('float32');
    gy = tf.logicalAnd(y.greater(0), y.less(height - 1)).cast('float32');
    x = x.clipByValue(0, width - 1) as tf.Tensor2D;
    y = y.clipByValue(0, height - 1) as tf.Tensor2D;
  }
  const x0 = x.floor(), y0 = y.floor();
  const fx = x.sub(x0) as tf.Tensor2D, fy = y.sub(y0) as tf.Tensor2D;
  // Indices are built in float32 and cast once: exact while B*H*W < 2^24 (16.7M pixels).
  const base = tf.range(0, batch, 1, 'float32').mul(height * width)
      .reshape([batch, 1]).tile([1, outHeight * outWidth]).reshape([n, 1]);
  const makeTap = (dx: number, dy: number, weight: tf.Tensor2D): Tap => {
    const xi = x0.add(dx), yi = y0.add(dy);
    const valid = tf.logicalAnd(
        tf.logicalAnd(xi.greaterEqual(0), xi.lessEqual(width - 1)),
        tf.logicalAnd(yi.greaterEqual(0), yi.lessEqual(height - 1))).cast('float32') as tf.Tensor2D;
    const index = yi.clipByValue(0, height - 1).mul(width).add(xi.clipByValue(0, width - 1))
        .add(base).cast('int32').reshape([n]) as tf.Tensor1D;
    return {index, weight: weight.mul(valid), valid};
  };
  const one = tf.scalar(1);
  const wx0 = one.sub(fx), wy0 = one.sub(fy);
  return {
    taps: [makeTap(0, 0, wx0.mul(wy0)), makeTap(1, 0, fx.mul(wy0)), makeTap(0, 1, wx0.mul(fy)), makeTap(1, 1, fx.mul(fy))],
    fx, fy, gx, gy,
  };
}

/** Forward sampling with tfjs ops. */
export function sampleForwardOps(image: tf.Tensor4D, coords: tf.Tensor4D, padding: SamplePadding): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = image.shape;
    const [, outHeight, outWidth] = coords.shape;
    const flatImage = image.reshape([batch * height * width, channels]);
    const {taps} = computeTaps(image.shape, coords, padding);
    const sum = tf.addN(taps.map((t) => tf.gather(flatImage, t.index).mul(t.weight)));
    return sum.reshape([batch, outHeight, outWidth, channels]) as tf.Tensor4D;
  });
}

/** Image gradient with tfjs ops: scatterND sums the contributions of duplicate taps. */
export function sampleGradImageOps(dy: tf.Tensor4D, imageShape: number[], coords: tf.Tensor4D,
    padding: SamplePadding): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = imageShape;
    const n = dy.size / channels;
    const flatDy = dy.reshape([n, channels]);
    const {taps} = computeTaps(imageShape, coords, padding);
    const indices = tf.concat(taps.map((t) => t.index), 0).reshape([4 * n, 1]);
    const updates = tf.concat(taps.map((t) => flatDy.mul(t.weight)), 0);
    return tf.scatterND(indices, updates, [batch * height * width, channels])
        .reshape([batch, height, width, channels]) as tf.Tensor4D;
  });
}

/** Coordinate gradient with tfjs ops. */
export function sampleGradCoordsOps(dy: tf.Tensor4D, image: tf.Tensor4D, coords: tf.Tensor4D,
    padding: SamplePadding): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = image.shape;
    const n = dy.size / channels;
    const flatImage = image.reshape([batch * height * width, channels]);
    const flatDy = dy.reshape([n, channels]);
    const {taps, fx, fy, gx, gy} = computeTaps(image.shape, coords, padding);
    const [v00, v10, v01, v11] = taps.map((t) => tf.gather(flatImage, t.index).mul(t.valid));
    const one = tf.scalar(1);
    const ddx = one.sub(fy).mul(v10.sub(v00)).add(fy.mul(v11.sub(v01)));
    const ddy = one.sub(fx).mul(v01.sub(v00)).add(fx.mul(v11.sub(v10)));
    const sx = flatDy.mul(ddx).sum(1, true).mul(gx);
    const sy = flatDy.mul(ddy).sum(1, true).mul(gy);
    return tf.concat([sx, sy], 1).reshape(coords.shape) as tf.Tensor4D;
  });
}
