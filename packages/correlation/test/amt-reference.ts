// A direct, loop-by-loop float64 transcription of AMT's BidirCorrBlock (raft.py L10-24, L142-207) in
// pixel coordinates, written from the spec (§1.6, §7.2), for tests on sizes the fixtures do not cover
// (odd sizes, batch 2, 1-px levels). Slow on purpose: nothing here is shared with the package code.

/** A float64 NHWC array with its shape. */
export interface Nhwc {
  data: Float64Array;
  shape: [number, number, number, number];
}

/** Copy a tensor's values (any float typed array) into a float64 NHWC array. */
export function toNhwc(data: ArrayLike<number>, shape: number[]): Nhwc {
  if (shape.length !== 4) throw new Error(`toNhwc: rank 4 expected, got [${shape}]`);
  return {data: Float64Array.from(data), shape: shape as Nhwc['shape']};
}

/** corr[b, p0, q] over img1 positions q, pooled `level` times with 2x2 floor average pooling. */
function pooledVolume(query: Nhwc, key: Nhwc, level: number): {values: Float64Array; height: number; width: number} {
  const [batch, height, width, channels] = query.shape;
  const scale = 1 / Math.sqrt(channels);
  let mapHeight = height, mapWidth = width;
  let map = new Float64Array(batch * height * width * height * width);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < height * width; p++) {
      for (let q = 0; q < height * width; q++) {
        let dot = 0;
        for (let c = 0; c < channels; c++) {
          dot += query.data[(b * height * width + p) * channels + c] * key.data[(b * height * width + q) * channels + c];
        }
        map[(b * height * width + p) * height * width + q] = dot * scale;
      }
    }
  }
  for (let i = 0; i < level; i++) {
    const nextHeight = Math.floor(mapHeight / 2), nextWidth = Math.floor(mapWidth / 2);
    const next = new Float64Array(batch * height * width * nextHeight * nextWidth);
    for (let n = 0; n < batch * height * width; n++) {
      for (let y = 0; y < nextHeight; y++) {
        for (let x = 0; x < nextWidth; x++) {
          const at = (yy: number, xx: number) => map[n * mapHeight * mapWidth + yy * mapWidth + xx];
          next[n * nextHeight * nextWidth + y * nextWidth + x] =
              (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        }
      }
    }
    map = next;
    mapHeight = nextHeight;
    mapWidth = nextWidth;
  }
  return {values: map, height: mapHeight, width: mapWidth};
}

/** Bilinear sample of one map at pixel (x, y); taps outside [0,W-1]x[0,H-1] contribute 0. */
function sampleZeros(map: Float64Array, offset: number, height: number, width: number, x: number, y: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  let total = 0;
  for (const [dx, wx] of [[0, 1 - fx], [1, fx]]) {
    for (const [dy, wy] of [[0, 1 - fy], [1, fy]]) {
      const xx = x0 + dx, yy = y0 + dy;
      if (xx < 0 || xx > width - 1 || yy < 0 || yy > height - 1) continue;
      total += wx * wy * map[offset + yy * width + xx];
    }
  }
  return total;
}

/** One direction: `query` pixel p looks up the volume against `key` at coords[p]. Output [B,h,w,L*(2r+1)^2]. */
export function referenceDirection(query: Nhwc, key: Nhwc, coords: Nhwc, levels: number, radius: number): Nhwc {
  const [batch, height, width] = query.shape;
  const side = 2 * radius + 1;
  const perLevel = side * side;
  const out = new Float64Array(batch * height * width * levels * perLevel);
  for (let level = 0; level < levels; level++) {
    const pooled = pooledVolume(query, key, level);
    for (let n = 0; n < batch * height * width; n++) {
      const cx = coords.data[n * 2] / 2 ** level, cy = coords.data[n * 2 + 1] / 2 ** level;
      for (let a = 0; a < side; a++) {
        for (let b = 0; b < side; b++) {
          // AMT's meshgrid quirk: the outer window index moves x, the inner one moves y.
          const value = sampleZeros(pooled.values, n * pooled.height * pooled.width, pooled.height, pooled.width,
              cx + (a - radius), cy + (b - radius));
          out[n * levels * perLevel + level * perLevel + a * side + b] = value;
        }
      }
    }
  }
  return {data: out, shape: [batch, height, width, levels * perLevel]};
}

/** AMT's `BidirCorrBlock(fmap0, fmap1)(coords0, coords1)` as two NHWC arrays. */
export function referenceBidir(fmap0: Nhwc, fmap1: Nhwc, coords0: Nhwc, coords1: Nhwc, levels: number,
    radius: number): {corr0: Nhwc; corr1: Nhwc} {
  return {
    corr0: referenceDirection(fmap0, fmap1, coords0, levels, radius),
    corr1: referenceDirection(fmap1, fmap0, coords1, levels, radius),
  };
}
