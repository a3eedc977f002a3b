// Validation (spec §3.1: RIFE's `evaluate`): PSNR of the student's float output on a held-out set, and once, the
// PSNR of frame averaging on the same set, so the log shows whether the model has learnt anything beyond it.
import * as tf from '@tensorflow/tfjs';
import {cropPadding, padToMultiple} from '@daek/flow-ops';
import type {RawTriplet} from '@daek/datasets';
import type {TrainModel} from './model.js';

/** PSNR (dB) from a mean squared error of values in [0, 1]; 100 dB for a perfect match. */
export function psnrFromMse(mse: number): number {
  return mse > 0 ? -10 * Math.log10(mse) : 100;
}

/**
 * PSNR of frame averaging, `(I0 + I1) / 2`, on float values (no rounding), averaged over the triplets: the
 * baseline an interpolation model must beat.
 */
export function frameAveragePsnr(samples: readonly RawTriplet[]): number {
  let total = 0;
  for (const s of samples) {
    const a = s.frame0.data, b = s.frame1.data, g = s.gt.data;
    let sum = 0;
    for (let i = 0; i < g.length; i++) {
      const d = (a[i]! + b[i]!) / 510 - g[i]! / 255;
      sum += d * d;
    }
    total += psnrFromMse(sum / g.length);
  }
  return total / samples.length;
}

function imageTensor(image: RawTriplet['frame0']): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.tensor4d(image.data, [1, image.height, image.width, 3], 'int32'), 255) as tf.Tensor4D);
}

/**
 * The student's PSNR on float output (spec §3.1, RIFE `train.py` L116: no uint8 rounding), averaged over the
 * triplets. Each triplet runs alone at its own size, padded (replicate) to a multiple of 32 and at least 128 as
 * the interpolator does, and cropped back. No teacher, BatchNorm in inference mode; leaks nothing.
 */
export async function modelPsnr(model: TrainModel, samples: readonly RawTriplet[]): Promise<number> {
  let total = 0;
  for (const s of samples) {
    const mse = tf.tidy(() => {
      const [x0, x1, gt] = [imageTensor(s.frame0), imageTensor(s.frame1), imageTensor(s.gt)];
      const p0 = padToMultiple(x0, 32, {mode: 'replicate', minSize: 128});
      const p1 = padToMultiple(x1, 32, {mode: 'replicate', minSize: 128});
      const out = model.network.forward(p0.padded, p1.padded, {training: false});
      const frame = cropPadding(out.output, p0.padding);
      return tf.mean(tf.squaredDifference(frame, gt));
    });
    total += psnrFromMse((await mse.data())[0]!);
    mse.dispose();
  }
  return total / samples.length;
}
