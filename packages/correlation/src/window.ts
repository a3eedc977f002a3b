// The (2r+1)^2 lookup window in AMT's channel order (raft.py L178-181): torch.meshgrid(dy, dx) stacks
// (dy[a], dx[b]) but the pair is ADDED to (x, y), so the OUTER index a moves x and the inner index b moves y.
import * as tf from '@tensorflow/tfjs';

/** Window offsets as a flat [(2r+1)^2 * 2] array of (x, y): entry a*(2r+1)+b is (a-r, b-r). */
export function windowOffsetValues(radius: number): Float32Array {
  const side = 2 * radius + 1;
  const values = new Float32Array(side * side * 2);
  for (let a = 0; a < side; a++) {
    for (let b = 0; b < side; b++) {
      values[(a * side + b) * 2] = a - radius;
      values[(a * side + b) * 2 + 1] = b - radius;
    }
  }
  return values;
}

/** The window offsets as a tensor of the given shape (its size must be (2r+1)^2 * 2). */
export function windowOffsets(radius: number, shape: number[]): tf.Tensor {
  return tf.tensor(windowOffsetValues(radius), shape, 'float32');
}
