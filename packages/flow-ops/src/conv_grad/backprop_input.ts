import * as tf from '@tensorflow/tfjs';
import {axisPhases, convGeometry, type AxisPhase, type ConvGeometry, type ConvPad} from './geometry.js';
import {col2im, interleavePhases, phaseFilter, transpose2d, type PhasePlacement} from './host_loops.js';
import {IM2COL_CHUNK_FLOATS, MAX_CHUNK_PIXELS} from './backprop_filter.js';
import {hostStep, inputTensor} from './kernel_tensors.js';

/** Attributes of tfjs' `Conv2DBackpropInput` kernel. */
interface BackpropInputAttrs {
  strides: number | [number, number];
  pad: ConvPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** conv2d of `dy` for one phase pair, cropping `dy` where the phase needs negative padding. */
function phaseConv(dy: tf.Tensor4D, filter: tf.Tensor4D, py: AxisPhase, px: AxisPhase, channels: number): tf.Tensor4D {
  const [batch, height, width, outChannels] = dy.shape;
  const top = Math.max(0, -py.padBefore), bottom = Math.max(0, -py.padAfter);
  const left = Math.max(0, -px.padBefore), right = Math.max(0, -px.padAfter);
  const rows = height - top - bottom, cols = width - left - right;
  // Only with a padding larger than the filter: every tap of this phase reads padding.
  if (rows <= 0 || cols <= 0) return tf.zeros([batch, py.count, px.count, channels]);
  const source = top + bottom + left + right > 0 ? tf.slice(dy, [0, top, left, 0], [batch, rows, cols, outChannels]) : dy;
  return tf.conv2d(source, filter, 1, [[0, 0], [Math.max(0, py.padBefore), Math.max(0, py.padAfter)],
    [Math.max(0, px.padBefore), Math.max(0, px.padAfter)], [0, 0]]);
}

/**
 * The input gradient (a transposed convolution) as stride-1 XNNPACK convolutions of `dy`: one per
 * output phase (sub-pixel decomposition), each with that phase's taps of the flipped, channel-swapped
 * filter. For stride 1 that is a single conv; for stride s there are s² convs doing together exactly
 * the forward FLOPs, whose results a host loop interleaves. (One conv to s²·C channels followed by
 * depth-to-space would pad every phase to the largest tap count, 1.8x the FLOPs for 3x3/2, and
 * measured slower.)
 */
export function inputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry, backend: tf.KernelBackend): tf.Tensor4D {
  const {batch: B, inHeight: H, inWidth: W, inChannels: C, outChannels: O} = g;
  const rows = axisPhases(H, g.filterHeight, g.strideHeight, g.padTop, g.outHeight);
  const cols = axisPhases(W, g.filterWidth, g.strideWidth, g.padLeft, g.outWidth);
  const live: [AxisPhase, AxisPhase][] = [];
  for (const py of rows) {
    for (const px of cols) {
      if (py.count > 0 && px.count > 0 && py.taps.length > 0 && px.taps.length > 0) live.push([py, px]);
    }
  }
  if (live.length === 0 || B === 0 || C === 0 || O === 0) return tf.zeros([B, H, W, C]);
  const filters = hostStep(backend, [filter], live.map(([py, px]) => [py.taps.length, px.taps.length, O, C]),
      ([w], outs) => live.forEach(([py, px], i) => phaseFilter(w, outs[i], g, py.taps, px.taps))) as tf.Tensor4D[];
  const parts = live.map(([py, px], i) => phaseConv(dy, filters[i], py, px, C));
  tf.dispose(filters);
  if (live.length === 1 && live[0][0].count === H && live[0][1].count === W) return parts[0];
  const placements: PhasePlacement[] = live.map(([py, px]) => ({phaseY: py.phase, phaseX: px.phase, rows: py.count, cols: px.count}));
  const [dx] = hostStep(backend, parts, [[B, H, W, C]], (views, [out]) => interleavePhases(views, placements, out, g));
  tf.dispose(parts);
  return dx as tf.Tensor4D;
}

/**
 * The input gradient as `dCol = dy · Wᵀ` (one matMul per pixel chunk, `[n, O] · [O, kh·kw·C]`) and a
 * host col2im that adds each row of `dCol` onto its receptive field. Used when the input has few
 * channels: the per-phase convs would then produce only `C` output channels, which XNNPACK's
 * 8-wide kernels compute at `C/8` efficiency (a 7x7 conv on RGB: 2.3x its forward time; this way 1.8x).
 */
export function inputGradientCol2im(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry, backend: tf.KernelBackend,
    chunkFloats = IM2COL_CHUNK_FLOATS): tf.Tensor4D {
  const {batch: B, inHeight: H, inWidth: W, inChannels: C, outChannels: O} = g;
  const patch = g.filterHeight * g.filterWidth * C;
  const pixels = B * g.outHeight * g.outWidth;
  const [dx] = hostStep(backend, [], [[B, H, W, C]], () => {});
  if (pixels === 0 || patch === 0 || O === 0) return dx as tf.Tensor4D;
  const [filterT] = hostStep(backend, [filter], [[O, patch]], ([w], [t]) => transpose2d(w, t, 0, patch, O));
  const maxChunk = Math.max(1, Math.min(MAX_CHUNK_PIXELS, Math.floor(chunkFloats / patch)));
  const chunk = Math.ceil(pixels / Math.ceil(pixels / maxChunk));
  const dy2 = tf.reshape(dy, [pixels, O]);
  for (let n0 = 0; n0 < pixels; n0 += chunk) {
    const len = Math.min(chunk, pixels - n0);
    const dyChunk = len === pixels ? dy2 :
      hostStep(backend, [dy2], [[len, O]], ([d], [c]) => c.set(d.subarray(n0 * O, (n0 + len) * O)))[0];
    const col = tf.matMul(dyChunk, filterT);
    // Accumulate into dx in place: it is this kernel's own fresh buffer, not yet visible to anyone.
    hostStep(backend, [col, dx], [], ([c, d]) => col2im(c, d, g, n0, len));
    col.dispose();
    if (dyChunk !== dy2) dyChunk.dispose();
  }
  return dx as tf.Tensor4D;
}

/**
 * Below this many input channels the input gradient uses {@link inputGradientCol2im}, from this many on
 * the per-phase convs of {@link inputGradient}.
 */
export const COL2IM_MAX_CHANNELS = 8;

/**
 * Kernel `Conv2DBackpropInput` for the wasm backend, replacing tfjs-backend-wasm's own (a plain loop,
 * ~15x slower than the equivalent conv2d). Also serves `tf.conv2dTranspose`. Inputs `{dy, filter}`.
 */
export const conv2dBackpropInputKernel: tf.KernelFunc = ({inputs, backend, attrs}) => tf.tidy(() => {
  const {strides, pad, dataFormat, dimRoundingMode, inputShape} = attrs as unknown as BackpropInputAttrs;
  const kernelBackend = backend as tf.KernelBackend;
  let dy = inputTensor(inputs.dy as tf.TensorInfo, kernelBackend) as tf.Tensor4D;
  const filter = inputTensor(inputs.filter as tf.TensorInfo, kernelBackend) as tf.Tensor4D;
  const nchw = dataFormat === 'NCHW';
  const xShape = (nchw ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : [...inputShape]) as
      [number, number, number, number];
  if (nchw) dy = tf.transpose(dy, [0, 2, 3, 1]);
  const g = convGeometry(xShape, filter.shape, dy.shape, strides, pad, dimRoundingMode);
  const dx = g.inChannels < COL2IM_MAX_CHANNELS ? inputGradientCol2im(dy, filter, g, kernelBackend) :
    inputGradient(dy, filter, g, kernelBackend);
  return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
});
