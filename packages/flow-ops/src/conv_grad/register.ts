import * as tf from '@tensorflow/tfjs';
import {conv2dBackpropFilterKernel} from './backprop_filter.js';
import {conv2dBackpropInputKernel} from './backprop_input.js';

/** Backends whose convolution gradients {@link registerConvGradients} can replace. */
export type ConvGradientBackend = 'wasm' | 'cpu';

const KERNELS = [[tf.Conv2DBackpropFilter, conv2dBackpropFilterKernel], [tf.Conv2DBackpropInput, conv2dBackpropInputKernel]] as const;
/** The kernels a backend had before ours replaced them (undefined: it had none), to put back on request. */
const native = new Map<ConvGradientBackend, Map<string, tf.KernelConfig | undefined>>();

/**
 * Register fast `Conv2DBackpropFilter` and `Conv2DBackpropInput` kernels for the `wasm` or `cpu` backend, so that
 * every tfjs convolution there (`tf.conv2d`, `tf.fused.conv2d`, `tf.conv2dTranspose`, layers) trains at the speed
 * of its forward pass: tfjs-core's Conv2D gradient dispatches to them. Both run their FLOPs as the backend's own
 * matMul and conv2d (XNNPACK on wasm) and move data with host loops. wasm has no `Conv2DBackpropFilter` at all,
 * and its `Conv2DBackpropInput` is 15x slower than a conv; the cpu backend has both as direct loops that make a
 * training step ~80x its forward pass (IFNet at 224x224: an hour a step). {@link useBackend}('wasm' or 'cpu')
 * calls this; call it yourself only if you set the backend without `useBackend`, after the backend's package is
 * imported (it would otherwise put its own kernels back). Idempotent. {@link unregisterConvGradients} restores
 * the backend's own kernels.
 *
 * Supports what tfjs' Conv2D gradient supports: NHWC or NCHW, any stride, `'valid'`/`'same'`/numeric/explicit
 * padding, dilation 1.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import {registerConvGradients} from '@daek/flow-ops';
 * registerConvGradients('wasm');
 * await tf.setBackend('wasm');
 * const dW = tf.grad((w: tf.Tensor4D) => tf.conv2d(x, w, 1, 'same').sum())(w);
 * ```
 */
export function registerConvGradients(backendName: ConvGradientBackend): void {
  if (backendName !== 'wasm' && backendName !== 'cpu') {
    throw new Error(`registerConvGradients: expected 'wasm' or 'cpu', got ${JSON.stringify(backendName)}.`);
  }
  if (native.has(backendName)) return;
  if (tf.getKernel(tf.Conv2D, backendName) == null) {
    throw new Error(`registerConvGradients: the ${backendName} backend is not loaded. Import ` +
        `'@tensorflow/tfjs-backend-${backendName}' first, or call useBackend('${backendName}'), which does both.`);
  }
  const saved = new Map<string, tf.KernelConfig | undefined>();
  for (const [kernelName, kernelFunc] of KERNELS) {
    const existing = tf.getKernel(kernelName, backendName);
    saved.set(kernelName, existing);
    if (existing != null) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({kernelName, backendName, kernelFunc});
  }
  native.set(backendName, saved);
}

/**
 * Put a backend's own convolution-gradient kernels back (wasm: none and its slow `Conv2DBackpropInput`; cpu: its
 * direct loops), e.g. to compare against them. A no-op if {@link registerConvGradients} did not run for it.
 */
export function unregisterConvGradients(backendName: ConvGradientBackend): void {
  const saved = native.get(backendName);
  if (!saved) return;
  for (const [kernelName] of KERNELS) {
    tf.unregisterKernel(kernelName, backendName);
    const original = saved.get(kernelName);
    if (original != null) tf.registerKernel(original);
  }
  native.delete(backendName);
}

/** {@link registerConvGradients}('wasm'): kept for code written against its first name. */
export function registerWasmConvGradients(): void {
  registerConvGradients('wasm');
}
