// |x| with PyTorch's subgradient at 0. tfjs's Abs gradient is dy·step(x, -1), which is −dy at x = 0, so an
// L1 loss would push exactly-equal pixels (saturated regions of both frames, identical flows) apart;
// PyTorch uses sign(x) = 0 there.
import * as tf from '@tensorflow/tfjs';

const absSign = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.abs(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sign(saved[0]!)),
  };
});

/** `|x|` whose gradient is `sign(x)·dy` (0 at 0), as PyTorch's `abs` and `F.l1_loss`. */
export function absTorch<T extends tf.Tensor>(x: T): T {
  return absSign(x) as T;
}
