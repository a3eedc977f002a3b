// PyTorch's `.detach()` for tfjs, which has no stop-gradient op (spec §2.2 detaches the teacher flow and the mask).
import * as tf from '@tensorflow/tfjs';

// The forward runs inside customGrad, where tfjs records no tape, so nothing before this point gets a gradient
// through it except the zeros below.
const detach = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * PyTorch's `x.detach()`: the same values, but the gradient through it is zero, so whatever produced `x` is
 * treated as a constant by `tf.grad`/`tf.variableGrads`. (tfjs has no stop-gradient op; this is a custom
 * gradient that returns zeros.) Returns a new tensor the caller owns.
 *
 * Unlike PyTorch, tfjs still walks back through whatever produced `x`, so an op with no registered gradient
 * before this point (`greater`, `argMax`, ...) still makes `tf.grad` throw; compute such values inside a custom
 * gradient instead, as {@link errorMask} does. Zeros also still flow back upstream (correct, but not free).
 *
 * @example
 * ```ts
 * const target = stopGradient(teacherFlow);   // the teacher gets no gradient from this term
 * const term = tf.abs(tf.sub(target, studentFlow)).mean();
 * ```
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  if (!(x instanceof tf.Tensor)) throw new TypeError('stopGradient: expected a tf.Tensor');
  return detach(x) as T;
}
