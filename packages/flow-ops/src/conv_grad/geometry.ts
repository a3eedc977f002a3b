import * as tf from '@tensorflow/tfjs';

/**
 * Shape and padding of one NHWC 2-D convolution `y = conv2d(x, w)`, dilation 1, as both gradient
 * kernels need it. `padTop`/`padLeft` are the zero rows/columns before the input (tfjs' `padInfo`).
 */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** The `pad` attribute of tfjs' convolution kernels. */
export type ConvPad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/**
 * Geometry of the convolution of `xShape` (NHWC) with a `[kh,kw,cin,cout]` filter, from the kernel's
 * attributes. The output size is taken from `dyShape` (what the forward pass produced) and checked
 * against tfjs' own shape rule, so a mismatched `dy` fails here instead of reading out of bounds.
 */
export function convGeometry(xShape: number[], filterShape: number[], dyShape: number[],
    strides: number | [number, number], pad: ConvPad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number],
      filterShape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const [batch, outHeight, outWidth, outChannels] = dyShape;
  if (batch !== info.batchSize || outHeight !== info.outHeight || outWidth !== info.outWidth ||
      outChannels !== info.outChannels) {
    throw new Error(`conv2d gradient: dy has shape [${dyShape}], but a convolution of [${xShape}] with a ` +
        `[${filterShape}] filter gives [${info.batchSize},${info.outHeight},${info.outWidth},${info.outChannels}]. ` +
        'Pass the dy of that convolution.');
  }
  return {
    batch, outHeight, outWidth, outChannels,
    inHeight: info.inHeight, inWidth: info.inWidth, inChannels: info.inChannels,
    filterHeight: info.filterHeight, filterWidth: info.filterWidth,
    strideHeight: info.strideHeight, strideWidth: info.strideWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}

/**
 * One output phase of the input gradient along one axis: the input positions `i = stride·m + phase`
 * (m = 0..count-1) receive `dX[i] = Σ_t dy[m - padBefore + t] · w[taps[t]]`, a stride-1 correlation of
 * `dy` (zero-padded by `padBefore`/`padAfter`, which may be negative: then `dy` is cropped) with the
 * filter taps `taps` (in correlation order).
 */
export interface AxisPhase {
  phase: number;
  count: number;
  taps: number[];
  padBefore: number;
  padAfter: number;
}

/**
 * Split the transposed convolution along one axis into its `stride` phases (sub-pixel decomposition).
 * Forward: `y[o] = Σ_k x[o·s + k - p]·w[k]`. For `i = s·m + r` the taps with `k ≡ r + p (mod s)`
 * contribute, `k = k0 + s·j`, from `dy[m + c - j]` with `c = (r + p - k0)/s`. Listing them with `j`
 * descending turns the sum into a correlation over consecutive `dy` rows. A phase with no input
 * positions or no taps is returned with `count = 0` or `taps = []` (its gradient is zero).
 */
export function axisPhases(size: number, kernel: number, stride: number, pad: number, outSize: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let phase = 0; phase < stride; phase++) {
    const k0 = (((phase + pad) % stride) + stride) % stride;
    const tapCount = k0 < kernel ? Math.ceil((kernel - k0) / stride) : 0;
    const c = (phase + pad - k0) / stride;
    const taps: number[] = [];
    for (let t = 0; t < tapCount; t++) taps.push(k0 + stride * (tapCount - 1 - t));
    const count = phase < size ? Math.ceil((size - phase) / stride) : 0;
    phases.push({phase, count, taps, padBefore: tapCount - 1 - c, padAfter: count + c - outSize});
  }
  return phases;
}
