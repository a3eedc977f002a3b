// Large frames in tiles: each tile (with an overlap on every inner side) is interpolated on its own and the
// results are blended with linear ramps across the overlaps, so no seam shows. Motion larger than the overlap
// near a tile border is lost: use --scale first, tiles when memory still runs out.
import type {RgbImage} from '@daek/datasets';
import type {MiddleFn} from './bisection.js';

/** Tiling settings. */
export interface TileOptions {
  /** Tile side in pixels (before overlap). */
  size: number;
  /** Overlap in pixels between neighbouring tiles (feathered). */
  overlap: number;
}

/** Start positions of tiles of `size` with `overlap` covering `length`. */
function starts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const step = size - overlap;
  const out: number[] = [];
  for (let s = 0; ; s += step) {
    if (s + size >= length) {
      out.push(length - size);
      break;
    }
    out.push(s);
  }
  return out;
}

function crop(image: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * image.width + x) * 3;
    data.set(image.data.subarray(from, from + w * 3), r * w * 3);
  }
  return {data, width: w, height: h};
}

/** Weight of position `i` in a tile spanning [start, start + n) along an axis of `length`: ramps in the overlaps. */
function ramp(i: number, n: number, start: number, length: number, overlap: number): number {
  let w = 1;
  if (start > 0 && i < overlap) w = Math.min(w, (i + 0.5) / overlap);
  if (start + n < length && n - 1 - i < overlap) w = Math.min(w, (n - 1 - i + 0.5) / overlap);
  return w;
}

/** Wrap a middle-frame function so that frames larger than a tile are done tile by tile with feathered seams. */
export function tiledMiddle(middle: MiddleFn, options: TileOptions): MiddleFn {
  const {size, overlap} = options;
  if (!(Number.isInteger(size) && size >= 64)) throw new Error(`tile size: expected an integer >= 64, got ${size}`);
  if (!(Number.isInteger(overlap) && overlap >= 0 && overlap * 2 < size)) {
    throw new Error(`tile overlap: expected an integer in [0, size/2), got ${overlap}`);
  }
  return async (a, b) => {
    const {width, height} = a;
    if (width <= size && height <= size) return middle(a, b);
    const tw = Math.min(size, width);
    const th = Math.min(size, height);
    const sum = new Float32Array(width * height * 3);
    const weight = new Float32Array(width * height);
    for (const y of starts(height, th, overlap)) {
      for (const x of starts(width, tw, overlap)) {
        const out = await middle(crop(a, x, y, tw, th), crop(b, x, y, tw, th));
        for (let r = 0; r < th; r++) {
          const wy = ramp(r, th, y, height, overlap);
          for (let c = 0; c < tw; c++) {
            const w = wy * ramp(c, tw, x, width, overlap);
            const p = (y + r) * width + x + c;
            const o = (r * tw + c) * 3;
            weight[p] += w;
            sum[p * 3] += w * out.data[o]!;
            sum[p * 3 + 1] += w * out.data[o + 1]!;
            sum[p * 3 + 2] += w * out.data[o + 2]!;
          }
        }
      }
    }
    const data = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const w = weight[p]!;
      for (let k = 0; k < 3; k++) data[p * 3 + k] = Math.min(255, Math.max(0, Math.round(sum[p * 3 + k]! / w)));
    }
    return {data, width, height};
  };
}
