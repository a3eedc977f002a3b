import * as tf from '@tensorflow/tfjs';
import {imageToTensor, type RgbImage} from './rgb-image.js';

/**
 * One interpolation sample as tensors: float32 [H, W, 3] in [0, 1], RGB. The caller owns the tensors:
 * dispose them (or pass the sample to {@link disposeTriplet} or {@link stackTriplets}).
 */
export interface TripletSample {
  /** The frame before (I0). */
  frame0: tf.Tensor3D;
  /** The ground-truth intermediate frame at time `t`. */
  gt: tf.Tensor3D;
  /** The frame after (I1). */
  frame1: tf.Tensor3D;
  /** Time of `gt` between `frame0` (0) and `frame1` (1). */
  t: number;
  /** Stable identifier of the sample within its dataset (a list entry, a folder, a frame number). */
  id: string;
  /** A published method's output for this sample, when the dataset ships one (UCF101-DVF's `frame_01_ours.png`). */
  reference?: tf.Tensor3D;
  /** Source frame indices of frame0, gt and frame1 (video files and frame folders). */
  frames?: readonly [number, number, number];
}

/** One interpolation sample as 8-bit RGB images: the exact 0-255 values metrics need. */
export interface RawTriplet {
  /** The frame before (I0). */
  frame0: RgbImage;
  /** The ground-truth intermediate frame at time `t`. */
  gt: RgbImage;
  /** The frame after (I1). */
  frame1: RgbImage;
  /** Time of `gt` between `frame0` (0) and `frame1` (1). */
  t: number;
  /** Stable identifier of the sample within its dataset. */
  id: string;
  /** A published method's output for this sample, when present (see {@link TripletSample.reference}). */
  reference?: RgbImage;
  /** Source frame indices of frame0, gt and frame1 (video files and frame folders). */
  frames?: readonly [number, number, number];
}

/** Convert a raw triplet to tensors (value / 255). */
export function rawToSample(raw: RawTriplet): TripletSample {
  const sample: TripletSample = {
    frame0: imageToTensor(raw.frame0),
    gt: imageToTensor(raw.gt),
    frame1: imageToTensor(raw.frame1),
    t: raw.t,
    id: raw.id,
  };
  if (raw.reference) sample.reference = imageToTensor(raw.reference);
  if (raw.frames) sample.frames = raw.frames;
  return sample;
}

/** Dispose every tensor of a sample (frames and reference). */
export function disposeTriplet(sample: TripletSample): void {
  tf.dispose([sample.frame0, sample.gt, sample.frame1]);
  if (sample.reference) sample.reference.dispose();
}
