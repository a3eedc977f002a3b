// Window lookup in an all-pairs correlation pyramid (spec §1.6, §7.2; AMT raft.py L10-24, L165-197).
import * as tf from '@tensorflow/tfjs';
import {bilinearSampler} from '@daek/flow-ops';
import {windowOffsets} from './window.js';

/**
 * Sample every level of one correlation pyramid around `coords`: at level i the centre is
 * `coords / 2^i` and the (2r+1)^2 window is read with zero padding, in AMT's channel order
 * (outer index = x offset). Returns `[B, h, w, levels*(2r+1)^2]`, levels concatenated.
 *
 * @param levels level i is `[B*h*w, H_i, W_i, 1]`, row `b*h*w + y*w + x` belongs to coords[b, y, x].
 * @param coords `[B, h, w, 2]` (x, y) pixel positions, already checked by the caller.
 */
export function lookupPyramid(levels: tf.Tensor4D[], coords: tf.Tensor4D, radius: number): tf.Tensor4D {
  const [batch, height, width] = coords.shape;
  const side = 2 * radius + 1;
  const rows = batch * height * width;
  return tf.tidy(() => {
    const centre = tf.reshape(coords, [rows, 1, 1, 2]);
    const offsets = windowOffsets(radius, [1, side, side, 2]);
    const outputs = levels.map((level, i) => tf.tidy(() => {
      // [rows, a, b, 2]: sampler output row-major over (a, b) is AMT's channel a*(2r+1)+b.
      const window = tf.add(tf.div(centre, tf.scalar(2 ** i)), offsets) as tf.Tensor4D;
      const sampled = bilinearSampler(level, window, {padding: 'zeros', checkFinite: false});
      return tf.reshape(sampled, [batch, height, width, side * side]) as tf.Tensor4D;
    }));
    return outputs.length === 1 ? outputs[0] : tf.concat(outputs, 3);
  });
}
