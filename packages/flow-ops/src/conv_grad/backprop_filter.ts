import * as tf from '@tensorflow/tfjs';
import {convGeometry, type ConvGeometry, type ConvPad} from './geometry.js';
import {im2colTransposed, phaseLayoutSize, toPhaseLayout} from './host_loops.js';
import {hostStep, inputTensor} from './kernel_tensors.js';

/**
 * Most floats of im2col scratch per matMul (32 MiB). Larger problems are cut into pixel ranges whose
 * partial filter gradients are summed, so the scratch stays bounded whatever the batch and size.
 */
export const IM2COL_CHUNK_FLOATS = 1 << 23;

/**
 * Most pixels (the matMul's inner dimension) per matMul. XNNPACK's GEMM streams the whole inner
 * dimension per output tile; beyond this the packed `dy` chunk falls out of L2 and a GEMM with few
 * rows (a 7x7 filter on 3 channels: 147) runs ~25% slower. Larger filters are not affected.
 */
export const MAX_CHUNK_PIXELS = 8192;

/** Attributes of tfjs' `Conv2DBackpropFilter` kernel. */
interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: ConvPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * `dW[ky,kx,c,o] = Σ_{b,oy,ox} x[b, oy·sh+ky-pt, ox·sw+kx-pl, c] · dy[b,oy,ox,o]`, per pixel chunk one
 * matMul `im2colᵀ [kh·kw·C, n] · dy [n, O]`, summed; the result is already the `[kh,kw,C,O]` layout.
 * Host loops build the transposed im2col (from a polyphase channel-major copy of `x`, so contiguous copies),
 * so the matMul needs no transpose flag (wasm's transposed matMul is ~13x slower than the plain one).
 * `dy` is the matMul's second operand on purpose: XNNPACK repacks that operand on every call, and
 * `dy` is 9x smaller than im2col for a 3x3 filter.
 */
export function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, backend: tf.KernelBackend,
    chunkFloats = IM2COL_CHUNK_FLOATS): tf.Tensor4D {
  const {filterHeight: kh, filterWidth: kw, inChannels: C, outChannels: O} = g;
  const patch = kh * kw * C;
  const pixels = g.batch * g.outHeight * g.outWidth;
  if (pixels === 0 || patch === 0 || O === 0) return tf.zeros([kh, kw, C, O]);
  const maxChunk = Math.max(1, Math.min(MAX_CHUNK_PIXELS, Math.floor(chunkFloats / patch)));
  const chunk = Math.ceil(pixels / Math.ceil(pixels / maxChunk)); // equal chunks, none tiny
  const [xT] = hostStep(backend, [x], [[C, phaseLayoutSize(g).plane]], ([xv], [t]) => toPhaseLayout(xv, t, g));
  const dy2 = tf.reshape(dy, [pixels, O]);
  const plainTranspose = kh === 1 && kw === 1 && g.strideHeight === 1 && g.strideWidth === 1 &&
      g.padTop === 0 && g.padLeft === 0 && g.outHeight === g.inHeight && g.outWidth === g.inWidth;
  let sum: tf.Tensor | null = null;
  for (let n0 = 0; n0 < pixels; n0 += chunk) {
    const len = Math.min(chunk, pixels - n0);
    // A 1x1 stride-1 unpadded filter reads each pixel once: im2colᵀ is xT itself.
    const [col] = plainTranspose && len === pixels ? [tf.reshape(xT, [patch, len])] :
      hostStep(backend, [xT], [[patch, len]], ([t], [c]) => im2colTransposed(t, c, g, n0, len));
    // A host copy, not tf.slice: wasm's Slice reads its whole input back first (a copy of all of dy).
    const dyChunk = len === pixels ? dy2 :
      hostStep(backend, [dy2], [[len, O]], ([d], [c]) => c.set(d.subarray(n0 * O, (n0 + len) * O)))[0];
    const part = tf.matMul(col, dyChunk);
    // Free the scratch now rather than at the end of the tidy: it is the largest buffer here.
    col.dispose();
    if (dyChunk !== dy2) dyChunk.dispose();
    if (sum == null) {
      sum = part;
    } else {
      const next: tf.Tensor = tf.add(sum, part);
      tf.dispose([sum, part]);
      sum = next;
    }
  }
  return tf.reshape(sum!, [kh, kw, C, O]);
}

/**
 * Kernel `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has none, so no conv
 * could train there). Inputs `{x, dy}`, attrs as tfjs-core's `conv2DBackpropFilter` op sends them.
 */
export const conv2dBackpropFilterKernel: tf.KernelFunc = ({inputs, backend, attrs}) => tf.tidy(() => {
  const {strides, pad, dataFormat, dimRoundingMode, filterShape} = attrs as unknown as BackpropFilterAttrs;
  const kernelBackend = backend as tf.KernelBackend;
  let x = inputTensor(inputs.x as tf.TensorInfo, kernelBackend) as tf.Tensor4D;
  let dy = inputTensor(inputs.dy as tf.TensorInfo, kernelBackend) as tf.Tensor4D;
  if (dataFormat === 'NCHW') {
    x = tf.transpose(x, [0, 2, 3, 1]);
    dy = tf.transpose(dy, [0, 2, 3, 1]);
  }
  const g = convGeometry(x.shape, filterShape, dy.shape, strides, pad, dimRoundingMode);
  return filterGradient(x, dy, g, kernelBackend);
});
