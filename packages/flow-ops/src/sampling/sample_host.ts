import type {SamplePadding} from './kernel_names.js';

/**
 * Sizes shared by the host loops: image [B,H,W,C], coords [B,h,w,2]. With `relative`, coords are
 * displacements from each output pixel's own position (a flow), which saves building a grid.
 */
export interface SampleDims {
  batch: number; height: number; width: number; channels: number; outHeight: number; outWidth: number;
}

/**
 * Bilinear taps of one sample position, in pixel coordinates (align_corners=True).
 * `border` clamps the position first; `zeros` keeps it and lets outside taps drop out.
 * Returns the clamped position's gradient factors too (0 where PyTorch's clip zeroes it).
 */
function taps(x: number, y: number, width: number, height: number, padding: SamplePadding) {
  let gx = 1, gy = 1;
  if (padding === 'border') {
    if (x <= 0) { x = 0; gx = 0; } else if (x >= width - 1) { x = width - 1; gx = 0; }
    if (y <= 0) { y = 0; gy = 0; } else if (y >= height - 1) { y = height - 1; gy = 0; }
  }
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  const inX0 = x0 >= 0 && x0 <= width - 1, inX1 = x0 + 1 >= 0 && x0 + 1 <= width - 1;
  const inY0 = y0 >= 0 && y0 <= height - 1, inY1 = y0 + 1 >= 0 && y0 + 1 <= height - 1;
  return {x0, y0, fx, fy, inX0, inX1, inY0, inY1, gx, gy};
}

/** out[b,i,j,:] = bilinear(image[b], coords[b,i,j]). */
export function sampleForward(image: Float32Array, coords: Float32Array, out: Float32Array, d: SampleDims,
    padding: SamplePadding, relative: boolean): void {
  const {batch, height, width, channels: C, outHeight, outWidth} = d;
  const rowStride = width * C;
  for (let b = 0; b < batch; b++) {
    const imageBase = b * height * rowStride;
    for (let p = 0; p < outHeight * outWidth; p++) {
      const q = b * outHeight * outWidth + p;
      const x = coords[2 * q] + (relative ? p % outWidth : 0), y = coords[2 * q + 1] + (relative ? (p / outWidth) | 0 : 0);
      const o = q * C;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        for (let c = 0; c < C; c++) out[o + c] = NaN;
        continue;
      }
      const t = taps(x, y, width, height, padding);
      const w00 = (1 - t.fx) * (1 - t.fy), w10 = t.fx * (1 - t.fy), w01 = (1 - t.fx) * t.fy, w11 = t.fx * t.fy;
      const r0 = imageBase + t.y0 * rowStride, r1 = r0 + rowStride;
      const c0 = t.x0 * C, c1 = c0 + C;
      if (t.inY0 && t.inX0) for (let c = 0; c < C; c++) out[o + c] += w00 * image[r0 + c0 + c];
      if (t.inY0 && t.inX1) for (let c = 0; c < C; c++) out[o + c] += w10 * image[r0 + c1 + c];
      if (t.inY1 && t.inX0) for (let c = 0; c < C; c++) out[o + c] += w01 * image[r1 + c0 + c];
      if (t.inY1 && t.inX1) for (let c = 0; c < C; c++) out[o + c] += w11 * image[r1 + c1 + c];
    }
  }
}

/** dImage: scatter each output gradient back onto its 4 taps with the bilinear weights. */
export function sampleGradImage(dy: Float32Array, coords: Float32Array, dImage: Float32Array, d: SampleDims,
    padding: SamplePadding, relative: boolean): void {
  const {batch, height, width, channels: C, outHeight, outWidth} = d;
  const rowStride = width * C;
  for (let b = 0; b < batch; b++) {
    const imageBase = b * height * rowStride;
    for (let p = 0; p < outHeight * outWidth; p++) {
      const q = b * outHeight * outWidth + p;
      const x = coords[2 * q] + (relative ? p % outWidth : 0), y = coords[2 * q + 1] + (relative ? (p / outWidth) | 0 : 0);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const t = taps(x, y, width, height, padding);
      const w00 = (1 - t.fx) * (1 - t.fy), w10 = t.fx * (1 - t.fy), w01 = (1 - t.fx) * t.fy, w11 = t.fx * t.fy;
      const r0 = imageBase + t.y0 * rowStride, r1 = r0 + rowStride;
      const c0 = t.x0 * C, c1 = c0 + C;
      const o = q * C;
      if (t.inY0 && t.inX0) for (let c = 0; c < C; c++) dImage[r0 + c0 + c] += w00 * dy[o + c];
      if (t.inY0 && t.inX1) for (let c = 0; c < C; c++) dImage[r0 + c1 + c] += w10 * dy[o + c];
      if (t.inY1 && t.inX0) for (let c = 0; c < C; c++) dImage[r1 + c0 + c] += w01 * dy[o + c];
      if (t.inY1 && t.inX1) for (let c = 0; c < C; c++) dImage[r1 + c1 + c] += w11 * dy[o + c];
    }
  }
}

/** dCoords: derivative of the bilinear weights, times the image differences, summed over channels. */
export function sampleGradCoords(dy: Float32Array, image: Float32Array, coords: Float32Array, dCoords: Float32Array,
    d: SampleDims, padding: SamplePadding, relative: boolean): void {
  const {batch, height, width, channels: C, outHeight, outWidth} = d;
  const rowStride = width * C;
  for (let b = 0; b < batch; b++) {
    const imageBase = b * height * rowStride;
    for (let p = 0; p < outHeight * outWidth; p++) {
      const q = b * outHeight * outWidth + p;
      const x = coords[2 * q] + (relative ? p % outWidth : 0), y = coords[2 * q + 1] + (relative ? (p / outWidth) | 0 : 0);
      if (!Number.isFinite(x) || !Number.isFinite(y)) { dCoords[2 * q] = NaN; dCoords[2 * q + 1] = NaN; continue; }
      const t = taps(x, y, width, height, padding);
      if (t.gx === 0 && t.gy === 0) continue;
      const r0 = imageBase + t.y0 * rowStride, r1 = r0 + rowStride;
      const c0 = t.x0 * C, c1 = c0 + C;
      const o = q * C;
      let sx = 0, sy = 0;
      for (let c = 0; c < C; c++) {
        const v00 = t.inY0 && t.inX0 ? image[r0 + c0 + c] : 0;
        const v10 = t.inY0 && t.inX1 ? image[r0 + c1 + c] : 0;
        const v01 = t.inY1 && t.inX0 ? image[r1 + c0 + c] : 0;
        const v11 = t.inY1 && t.inX1 ? image[r1 + c1 + c] : 0;
        const g = dy[o + c];
        sx += g * ((1 - t.fy) * (v10 - v00) + t.fy * (v11 - v01));
        sy += g * ((1 - t.fx) * (v01 - v00) + t.fx * (v11 - v10));
      }
      dCoords[2 * q] = sx * t.gx;
      dCoords[2 * q + 1] = sy * t.gy;
    }
  }
}
