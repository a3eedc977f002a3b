import * as tf from '@tensorflow/tfjs';
import {BILINEAR_SAMPLE, type SamplePadding} from './sampling/kernel_names.js';
import {registerSamplerKernels} from './sampling/register.js';
import {assertFinite, assertRank, type FiniteCheck} from './validate.js';

/** Options of {@link bilinearSampler}. */
export interface BilinearSamplerOptions {
  /** Out-of-image behaviour; default `'zeros'` (AMT). See {@link SamplePadding}. */
  padding?: SamplePadding;
  /** Throw if `coords` holds NaN/Infinity; default `'auto'` (see {@link FiniteCheck}). */
  checkFinite?: FiniteCheck;
}

/** Sampled values plus AMT's validity mask. */
export interface SampledWithMask {
  /** `[B,h,w,C]` sampled values. */
  output: tf.Tensor4D;
  /** `[B,h,w,1]` float mask: 1 where `-1 < 2x/(W-1)-1 < 1` and likewise for y (strict, as AMT). */
  mask: tf.Tensor4D;
}

/**
 * The kernel call without validation, for callers that already checked their inputs. With
 * `relative`, `coords` are displacements from each output pixel (output size = image size).
 */
export function sampleBilinear(image: tf.Tensor4D, coords: tf.Tensor4D, padding: SamplePadding,
    relative = false): tf.Tensor4D {
  registerSamplerKernels();
  const attrs = {padding, coordinates: relative ? 'relative' : 'absolute'};
  return tf.engine().runKernel(BILINEAR_SAMPLE, {image, coords}, attrs) as tf.Tensor4D;
}

function validate(op: string, image: tf.Tensor4D, coords: tf.Tensor4D, options: BilinearSamplerOptions): SamplePadding {
  assertRank(op, 'image', image, 4, '[B,H,W,C]');
  assertRank(op, 'coords', coords, 4, '[B,h,w,2] (x, y in pixels)');
  if (coords.shape[3] !== 2) throw new Error(`${op}: 'coords' must have 2 channels (x, y) in its last axis; got shape [${coords.shape}]`);
  if (coords.shape[0] !== image.shape[0]) {
    throw new Error(`${op}: batch of 'coords' (${coords.shape[0]}) must equal batch of 'image' (${image.shape[0]})`);
  }
  const padding = options.padding ?? 'zeros';
  if (padding !== 'zeros' && padding !== 'border') throw new Error(`${op}: padding must be 'zeros' or 'border'; got '${padding}'`);
  assertFinite(op, 'coords', coords, options.checkFinite);
  return padding;
}

/**
 * Bilinear sampling of `image` at pixel coordinates, AMT's `bilinear_sampler` semantics
 * (`grid_sample(align_corners=True)`: pixel centres at integer coordinates, `x` = column, `y` = row).
 * Differentiable with respect to `image` and `coords` on every backend (custom kernel
 * `DaekBilinearSample` with a registered gradient).
 *
 * @param image `[B,H,W,C]`.
 * @param coords `[B,h,w,2]`: per output pixel, the (x, y) position to read, in pixels of `image`.
 * @returns `[B,h,w,C]`; with `returnMask: true`, also AMT's validity mask.
 *
 * @example
 * ```ts
 * const out = bilinearSampler(featureMap, coords, {padding: 'zeros'});
 * ```
 */
export function bilinearSampler(image: tf.Tensor4D, coords: tf.Tensor4D, options?: BilinearSamplerOptions & {returnMask?: false}): tf.Tensor4D;
/** Bilinear sampling that also returns AMT's validity mask. */
export function bilinearSampler(image: tf.Tensor4D, coords: tf.Tensor4D, options: BilinearSamplerOptions & {returnMask: true}): SampledWithMask;
export function bilinearSampler(image: tf.Tensor4D, coords: tf.Tensor4D,
    options: BilinearSamplerOptions & {returnMask?: boolean} = {}): tf.Tensor4D | SampledWithMask {
  const padding = validate('bilinearSampler', image, coords, options);
  const output = sampleBilinear(image, coords, padding);
  if (!options.returnMask) return output;
  const mask = tf.tidy(() => {
    const [, height, width] = image.shape;
    const x = coords.slice([0, 0, 0, 0], [-1, -1, -1, 1]).mul(2 / (width - 1)).sub(1);
    const y = coords.slice([0, 0, 0, 1], [-1, -1, -1, 1]).mul(2 / (height - 1)).sub(1);
    const inside = (t: tf.Tensor) => tf.logicalAnd(t.greater(-1), t.less(1));
    return tf.logicalAnd(inside(x), inside(y)).cast('float32') as tf.Tensor4D;
  });
  return {output, mask};
}
