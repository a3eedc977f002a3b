// The ops compared between thread counts: convolutions (XNNPACK splits them across threads), a transposed conv,
// a matMul and a bilinear resize, on seeded data. Shared by the test and its child process.
import {createHash} from 'node:crypto';
import type * as tfNs from '@tensorflow/tfjs';

/** SHA-256 of a tensor's raw bytes: equal digests mean bit-identical values. */
export function digest(t: tfNs.Tensor): string {
  const data = t.dataSync() as Float32Array;
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

/** Outputs of the ops, on the active backend. */
export function threadCheckOps(tf: typeof tfNs): tfNs.Tensor[] {
  return tf.tidy(() => {
    const x = tf.randomUniform([1, 48, 40, 32], -1, 1, 'float32', 1) as tfNs.Tensor4D;
    const w = tf.randomUniform([3, 3, 32, 48], -1, 1, 'float32', 2) as tfNs.Tensor4D;
    const wt = tf.randomUniform([4, 4, 16, 32], -1, 1, 'float32', 3) as tfNs.Tensor4D;
    const m = tf.randomUniform([96, 80], -1, 1, 'float32', 4) as tfNs.Tensor2D;
    return [
      tf.conv2d(x, w, 1, 'same'),
      tf.conv2d(x, w, 2, 'same'),
      tf.conv2dTranspose(x, wt, [1, 96, 80, 16], 2, 'same'),
      tf.matMul(m, m, false, true),
      tf.image.resizeBilinear(x, [96, 80], false, true),
    ];
  });
}
