import * as tf from '@tensorflow/tfjs';
import {readNpy} from './npy.js';

/** Read a float `.npy` as a tensor, exactly as stored (PyTorch layout). */
export function npyTensor(path: string): tf.Tensor {
  const {shape, data} = readNpy(path);
  return tf.tensor(data instanceof Float64Array ? Float32Array.from(data) : data, shape);
}

/** Read an NCHW float `.npy` as an NHWC tensor. */
export function npyNHWC(path: string): tf.Tensor4D {
  return tf.tidy(() => {
    const t = npyTensor(path);
    if (t.rank !== 4) throw new Error(`${path}: expected a rank-4 NCHW array, got shape [${t.shape}]`);
    return t.transpose([0, 2, 3, 1]) as tf.Tensor4D;
  });
}
