import * as tf from '@tensorflow/tfjs';

/** The activations a projection can fuse. */
export type ProjectionActivation = 'linear' | 'leakyrelu';

/**
 * A 1×1 convolution on `[N, Cin]` rows: `act(rows · W + b)` with `W` `[Cin, Cout]`, fused into one matMul.
 *
 * The gradient is written out instead of left to tfjs because tfjs's matMul gradient uses the transposeA /
 * transposeB flags, which are 6–13× slower on wasm than transposing first (shared/design/backends.md §2;
 * measured here at N = 1792, Cin 512, Cout 188: 1043 ms against about 110 ms per projection). It also never
 * needs Conv2DBackpropFilter, which wasm lacks.
 *
 * LeakyReLU's slope `alpha` > 0 keeps the sign, so its derivative is read from the output:
 * `dz = y > 0 ? dy : alpha·dy` (PyTorch's convention at 0 too).
 */
export function projectRows(rows: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: ProjectionActivation,
    alpha: number): tf.Tensor2D {
  const project = tf.customGrad((x, w, b, save) => {
    const y = tf.fused.matMul({
      a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b as tf.Tensor, activation, leakyreluAlpha: alpha,
    });
    (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved;
        const dz = activation === 'leakyrelu' ? tf.where(ys.greater(0), dy, dy.mul(alpha)) : dy;
        return [dz.matMul(ws.transpose()), xs.transpose().matMul(dz), dz.sum(0)];
      },
    };
  });
  return project(rows, kernel, bias) as tf.Tensor2D;
}
