/** Kernel names of the bilinear sampler, in tfjs-core's style: one name per op, typed attrs. */

/** Forward: inputs `{image [B,H,W,C], coords [B,h,w,2]}` → `[B,h,w,C]`. */
export const BILINEAR_SAMPLE = 'DaekBilinearSample';
/** Gradient w.r.t. the image: inputs `{dy, image, coords}` → `[B,H,W,C]`. */
export const BILINEAR_SAMPLE_GRAD_IMAGE = 'DaekBilinearSampleGradImage';
/** Gradient w.r.t. the coordinates: inputs `{dy, image, coords}` → `[B,h,w,2]`. */
export const BILINEAR_SAMPLE_GRAD_COORDS = 'DaekBilinearSampleGradCoords';

/**
 * How a sample position outside the image is treated.
 * - `zeros`: each of the 4 bilinear taps outside `[0,W-1]×[0,H-1]` contributes 0 (AMT's
 *   `bilinear_sampler`, `grid_sample(padding_mode='zeros', align_corners=True)`).
 * - `border`: the position is clamped into the image first, so outside gives the edge value
 *   (RIFE's `warp`, `grid_sample(padding_mode='border', align_corners=True)`); the clamped
 *   coordinate has zero gradient, as in PyTorch.
 */
export type SamplePadding = 'zeros' | 'border';

/** Attributes of the sampler kernels. */
export interface BilinearSampleAttrs {
  padding: SamplePadding;
  /** `absolute`: coords are positions; `relative`: coords are displacements (a flow) from each output pixel. */
  coordinates: 'absolute' | 'relative';
  [key: string]: string;
}
