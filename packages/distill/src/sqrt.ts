// sqrt whose gradient is 0 at 0 instead of ∞ (or NaN when the incoming gradient is 0 as well, which is what both
// PyTorch and tfjs give: RIFE's distillation term takes sqrt(mean_c Δ²) at pixels the mask zeroes out).
import * as tf from '@tensorflow/tfjs';

const safeSqrt = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const root = tf.sqrt(x);
  save([root]);
  return {
    value: root,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const r = saved[0]!;
      // dy / (2·sqrt(x)) where sqrt(x) > 0, else 0 (the divisor is made 1 there so no ∞ is formed)
      const positive = tf.greater(r, 0);
      return tf.where(positive, tf.div(dy, tf.mul(tf.where(positive, r, tf.onesLike(r)), 2)), tf.zerosLike(dy));
    },
  };
});

/** `sqrt(x)` for x ≥ 0 whose gradient is `dy / (2·sqrt(x))`, and 0 (not ∞/NaN) where x = 0. */
export function sqrtSafe<T extends tf.Tensor>(x: T): T {
  return safeSqrt(x) as T;
}
