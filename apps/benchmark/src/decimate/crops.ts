// Side-by-side crops for looking at failures: the window where a prediction is furthest from the truth, cut out
// of every frame of a comparison (frame0, ground truth, each method's output) and laid out in one strip.
import type {RgbImage} from '@daek/datasets';

/** A crop window in pixels. */
export interface CropWindow {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/**
 * The `size`x`size` window (clipped to the frame) with the largest summed absolute error between `pred` and
 * `gt` over the three channels; candidate windows step by a quarter of the size, and the last row and column
 * touch the frame's edges.
 */
export function worstWindow(gt: RgbImage, pred: Uint8Array, size: number): CropWindow {
  const {width, height} = gt;
  const w = Math.min(size, width), h = Math.min(size, height);
  // integral image of the per-pixel error, (width + 1) x (height + 1)
  const stride = width + 1;
  const integral = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      row += Math.abs(pred[i] - gt.data[i]) + Math.abs(pred[i + 1] - gt.data[i + 1]) + Math.abs(pred[i + 2] - gt.data[i + 2]);
      integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1] + row;
    }
  }
  const positions = (extent: number, span: number) => {
    const step = Math.max(1, Math.floor(span / 4));
    const out: number[] = [];
    for (let p = 0; p + span < extent; p += step) out.push(p);
    out.push(extent - span);
    return out;
  };
  let best: CropWindow = {x: 0, y: 0, width: w, height: h};
  let bestSum = -1;
  for (const y of positions(height, h)) {
    for (const x of positions(width, w)) {
      const sum = integral[(y + h) * stride + x + w] - integral[y * stride + x + w] - integral[(y + h) * stride + x] + integral[y * stride + x];
      if (sum > bestSum) {
        bestSum = sum;
        best = {x, y, width: w, height: h};
      }
    }
  }
  return best;
}

/** The `window` of `image`. */
export function cropImage(image: RgbImage, window: CropWindow): RgbImage {
  const out = new Uint8Array(window.width * window.height * 3);
  for (let y = 0; y < window.height; y++) {
    const from = ((window.y + y) * image.width + window.x) * 3;
    out.set(image.data.subarray(from, from + window.width * 3), y * window.width * 3);
  }
  return {data: out, width: window.width, height: window.height};
}

/** Images of equal height side by side, `gap` white pixels apart. */
export function sideBySide(images: readonly RgbImage[], gap = 4): RgbImage {
  const height = images[0].height;
  if (images.some((im) => im.height !== height)) throw new Error('sideBySide: the images differ in height');
  const width = images.reduce((sum, im) => sum + im.width, 0) + gap * (images.length - 1);
  const data = new Uint8Array(width * height * 3).fill(255);
  let left = 0;
  for (const image of images) {
    for (let y = 0; y < height; y++) {
      data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), (y * width + left) * 3);
    }
    left += image.width + gap;
  }
  return {data, width, height};
}
