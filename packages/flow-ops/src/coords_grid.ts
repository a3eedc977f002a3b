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
  return tf.tidy(() => {
    const xs = tf.range(0, width, 1, 'float32').reshape([1, width, 1]).tile([height, 1, 1]);
    const ys = tf.range(0, height, 1, 'float32').reshape([height, 1, 1]).tile([1, width, 1]);
    return tf.concat([xs, ys], 2).expandDims(0).tile([batch, 1, 1, 1]) as tf.Tensor4D;
  });
}
