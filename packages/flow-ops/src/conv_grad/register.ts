import * as tf from '@tensorflow/tfjs';
import {conv2dBackpropFilterKernel} from './backprop_filter.js';
import {conv2dBackpropInputKernel} from './backprop_input.js';

let registered = false;

/**
 * Register fast `Conv2DBackpropFilter` and `Conv2DBackpropInput` kernels for the `wasm` backend, so that
 * every tfjs convolution there (`tf.conv2d`, `tf.fused.conv2d`, `tf.conv2dTranspose`, layers) trains:
 * tfjs-core's Conv2D gradient dispatches to them. Both run their FLOPs in XNNPACK (matMul and conv2d)
 * and move data with host loops. Other backends are untouched. {@link useBackend}('wasm') calls this;
 * call it yourself only if you load `@tensorflow/tfjs-backend-wasm` without `useBackend`, after that
 * package is imported (it would otherwise put its own `Conv2DBackpropInput` back). Idempotent.
 *
 * Supports what tfjs' Conv2D gradient supports: NHWC or NCHW, any stride, `'valid'`/`'same'`/numeric/explicit
 * padding, dilation 1.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import {registerWasmConvGradients} from '@daek/flow-ops';
 * registerWasmConvGradients();
 * await tf.setBackend('wasm');
 * const dW = tf.grad((w: tf.Tensor4D) => tf.conv2d(x, w, 1, 'same').sum())(w);
 * ```
 */
export function registerWasmConvGradients(): void {
  if (registered) return;
  if (tf.getKernel(tf.Conv2D, 'wasm') == null) {
    throw new Error('registerWasmConvGradients: the wasm backend is not loaded. Import ' +
        '\'@tensorflow/tfjs-backend-wasm\' first, or call useBackend(\'wasm\'), which does both.');
  }
  for (const [kernelName, kernelFunc] of [[tf.Conv2DBackpropFilter, conv2dBackpropFilterKernel],
    [tf.Conv2DBackpropInput, conv2dBackpropInputKernel]] as const) {
    if (tf.getKernel(kernelName, 'wasm') != null) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({kernelName, backendName: 'wasm', kernelFunc});
  }
  registered = true;
}
