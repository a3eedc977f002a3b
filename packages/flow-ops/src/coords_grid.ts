import * as tf from '@tensorflow/tfjs';

function assertSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`coordsGrid: '${name}' must be a positive integer; got ${value}`);
}

/**
 * Pixel coordinate grid `[B,H,W,2]`: channel 0 is x (the column index), channel 1 is y (the row).
 * AMT/RAFT `coords_grid`, in NHWC. Add a flow to it to get sampling positions.
 */
export function coordsGrid(batch: number, height: number, width: number): tf.Tensor4D {
  assertSize('batch', batch); assertSize('height', height); assertSize('width', width);
  // Filled on the host: tile/concat of ranges are slow on cpu and wasm for frame-sized grids.
  const plane = height * width * 2;
  const values = new Float32Array(batch * plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      values[2 * (y * width + x)] = x;
      values[2 * (y * width + x) + 1] = y;
    }
  }
  for (let b = 1; b < batch; b++) values.copyWithin(b * plane, 0, plane);
  return tf.tensor4d(values, [batch, height, width, 2]);
}
