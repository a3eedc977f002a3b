// The all-pairs correlation volume and its average-pooled pyramid (spec §1.6; AMT raft.py L142-163, L199-207).
import * as tf from '@tensorflow/tfjs';
import {checkFeatureMaps, checkInteger, levelSizes} from './validate.js';

/**
 * The two all-pairs correlation pyramids of a feature-map pair, AMT's `corr_pyramid` and `corr_pyramid_T`.
 * Level i of each is a `[B*h*w, floor(h/2^i), floor(w/2^i), 1]` tensor: row `b*h*w + y*w + x` is the
 * correlation of one pixel (x, y) with every position of the other frame, average-pooled i times.
 */
export interface CorrelationPyramid {
  /** `corr`: rows are frame-0 pixels, the maps range over frame-1 positions. */
  corr: tf.Tensor4D[];
  /** `corr_T`: rows are frame-1 pixels, the maps range over frame-0 positions. */
  corrTransposed: tf.Tensor4D[];
}

/** 1/sqrt(C) with C first rounded to float32, as AMT's `torch.sqrt(torch.tensor(dim).float())`. */
export function correlationScale(channels: number): number {
  return 1 / Math.fround(Math.sqrt(Math.fround(channels)));
}

/**
 * `a @ b` for `a [B,m,k]` and an already transposed `b [B,k,n]`, whose gradient transposes the two
 * narrow operands explicitly: tfjs's own matMul gradient uses transpose flags, which run about 13x
 * slower on wasm (design/backends.md §2), and here they would multiply by the (hw)^2 upstream gradient.
 */
const matMulPretransposed = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedA, savedB] = saved as tf.Tensor3D[];
      return [
        tf.matMul(dy as tf.Tensor3D, tf.transpose(savedB, [0, 2, 1])),
        tf.matMul(tf.transpose(savedA, [0, 2, 1]), dy as tf.Tensor3D),
      ];
    },
  };
});

/**
 * Levels 1.. of one pyramid. `byPosition` is the volume laid out `[B, q, p]`: rows are the positions q
 * that get pooled, columns the pixels p that own a map. Viewed as NHWC `[B, h, w, h*w]`, pooling runs
 * with the pixels as channels, which tfjs does far faster than `[B*h*w, h, w, 1]` maps with 1 channel;
 * each pooled level is then transposed to the `[B*h*w, H_i, W_i, 1]` layout the lookup samples.
 */
function pooledLevels(byPosition: tf.Tensor3D, height: number, width: number, levels: number): tf.Tensor4D[] {
  const [batch, , pixels] = byPosition.shape;
  const out: tf.Tensor4D[] = [];
  let pooled = tf.reshape(byPosition, [batch, height, width, pixels]) as tf.Tensor4D;
  for (let i = 1; i < levels; i++) {
    const next = tf.avgPool(pooled, 2, 2, 'valid');
    pooled.dispose();
    const [, levelHeight, levelWidth] = next.shape;
    out.push(tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(next, [batch, levelHeight * levelWidth, pixels]), [0, 2, 1]),
        [batch * pixels, levelHeight, levelWidth, 1]) as tf.Tensor4D));
    pooled = next;
  }
  pooled.dispose();
  return out;
}

/**
 * Build both all-pairs correlation pyramids: `corr = <f0, f1> / sqrt(C)` for every pixel pair, its
 * transpose, and `levels - 1` rounds of 2x2 average pooling (floor) over the second frame's positions.
 * Memory: `2 * B * (h*w) * Σ_i floor(h/2^i)*floor(w/2^i)` floats; see {@link estimateBytes}. The caller
 * owns the returned tensors. Differentiable with respect to both feature maps.
 *
 * @param fmap0 `[B, h, w, C]` features of frame 0 (NHWC).
 * @param fmap1 `[B, h, w, C]` features of frame 1.
 * @param levels number of pyramid levels (>= 1); each level must be at least 1x1.
 */
export function correlationPyramid(fmap0: tf.Tensor4D, fmap1: tf.Tensor4D, levels = 4): CorrelationPyramid {
  const [batch, height, width, channels] = checkFeatureMaps(fmap0, fmap1);
  checkInteger(levels, 'levels', 1);
  levelSizes(height, width, levels);
  const pixels = height * width;
  return tf.tidy(() => {
    // Scale the narrow operand, not the (hw)^2 product: one volume alive instead of two.
    // (Nested tidies drop the intermediate views at once; see the note on reshapes below.)
    const query = tf.tidy(() => tf.reshape(tf.mul(fmap0, tf.scalar(correlationScale(channels))), [batch, pixels, channels]));
    // Pre-transposed: matMul with a transpose flag is ~13x slower on wasm.
    const keyTransposed = tf.tidy(() => tf.transpose(tf.reshape(fmap1, [batch, pixels, channels]), [0, 2, 1]));
    const volume = matMulPretransposed(query, keyTransposed) as tf.Tensor3D;
    tf.dispose([query, keyTransposed]);
    const transposed = tf.transpose(volume, [0, 2, 1]);
    // corr pools over frame-1 positions, which index the rows of `transposed`; corr_T the other way.
    // A reshape shares its input's buffer, but tfjs counts bytes per tensor: each 3-D original is
    // dropped as soon as its last view exists, so tf.memory() stays close to what is really allocated.
    const corrTransposedPooled = pooledLevels(volume, height, width, levels);
    const corr = [tf.reshape(volume, [batch * pixels, height, width, 1]) as tf.Tensor4D];
    tf.dispose(volume);
    corr.push(...pooledLevels(transposed, height, width, levels));
    const corrTransposed = [tf.reshape(transposed, [batch * pixels, height, width, 1]) as tf.Tensor4D, ...corrTransposedPooled];
    tf.dispose(transposed);
    return {corr, corrTransposed};
  });
}
