// Training augmentation, spec §3.2 (RIFE `dataset.py` L39-109, train branch), in its exact order.
import * as tf from '@tensorflow/tfjs';
import {createRandom, deriveSeed, type Random} from './random.js';
import type {RgbImage} from './image.js';
import type {RawTriplet, TripletSample} from './sample.js';

/** Options of {@link createAugmenter}. */
export interface AugmentationOptions {
  /** Seed of the augmentation stream (default 0). */
  seed?: number;
  /** Side of the square random crop in pixels (default 224, spec §3.2 step 2). */
  cropSize?: number;
}

/** Clockwise rotation in degrees: 90 is `cv2.ROTATE_90_CLOCKWISE`, 270 is `cv2.ROTATE_90_COUNTERCLOCKWISE`. */
export type Rotation = 0 | 90 | 180 | 270;

/** The random decisions for one triplet, in the order they are drawn. */
export interface AugmentationChoice {
  /** Side of the square crop. */
  cropSize: number;
  /** First row of the crop window, uniform in [0, H - cropSize]. */
  top: number;
  /** First column of the crop window, uniform in [0, W - cropSize]. */
  left: number;
  /** Reverse the channel axis (RGB <-> BGR), p = 0.5. */
  reverseChannels: boolean;
  /** Vertical flip (rows reversed), p = 0.5. */
  flipVertical: boolean;
  /** Horizontal flip (columns reversed), p = 0.5. */
  flipHorizontal: boolean;
  /** Swap frame0 and frame1 (t becomes 1 - t), p = 0.5. */
  flipTemporal: boolean;
  /** Rotation from u ~ U(0,1): u < .25 -> 90 (clockwise), < .5 -> 180, < .75 -> 270 (counter-clockwise), else 0. */
  rotation: Rotation;
}

/** The part of a sample augmentation reads and rewrites: any object with these fields (other fields are copied). */
export type AugmentableSample = Pick<TripletSample, 'frame0' | 'gt' | 'frame1' | 't' | 'reference' | 'frames'>;

/** Seed stream id of augmentation (kept apart from shuffling and scene generation). */
export const AUGMENT_STREAM = 0x41554721;

function checkCropSize(cropSize: number): void {
  if (!(Number.isInteger(cropSize) && cropSize > 0)) {
    throw new Error(`augmentation cropSize: expected a positive integer, received ${cropSize}`);
  }
}

/**
 * Draw the decisions for one triplet of size `height` x `width`. Always draws exactly seven numbers
 * (crop row, crop column, then the five uniforms of steps 3-7), so a stream stays aligned whatever the
 * frame sizes are.
 *
 * @throws Error when the crop is larger than the frame.
 */
export function drawAugmentation(random: Random, height: number, width: number, cropSize = 224): AugmentationChoice {
  checkCropSize(cropSize);
  if (cropSize > height || cropSize > width) {
    throw new Error(`augmentation: the ${cropSize}x${cropSize} crop does not fit in a ${width}x${height} (WxH) frame; ` +
        'use a smaller cropSize or larger frames');
  }
  const top = random.integer(0, height - cropSize + 1);
  const left = random.integer(0, width - cropSize + 1);
  const reverseChannels = random.uniform() < 0.5;
  const flipVertical = random.uniform() < 0.5;
  const flipHorizontal = random.uniform() < 0.5;
  const flipTemporal = random.uniform() < 0.5;
  const u = random.uniform();
  const rotation: Rotation = u < 0.25 ? 90 : u < 0.5 ? 180 : u < 0.75 ? 270 : 0;
  return {cropSize, top, left, reverseChannels, flipVertical, flipHorizontal, flipTemporal, rotation};
}

function transformFrame(frame: tf.Tensor3D, choice: AugmentationChoice): tf.Tensor3D {
  const {cropSize, top, left} = choice;
  let x: tf.Tensor3D = tf.slice(frame, [top, left, 0], [cropSize, cropSize, 3]);
  if (choice.reverseChannels) x = tf.reverse(x, 2);
  if (choice.flipVertical) x = tf.reverse(x, 0);
  if (choice.flipHorizontal) x = tf.reverse(x, 1);
  // Rotations as cv2.rotate: clockwise = transpose then mirror columns; counter-clockwise = transpose then mirror rows.
  if (choice.rotation === 90) x = tf.reverse(tf.transpose(x, [1, 0, 2]), 1);
  else if (choice.rotation === 180) x = tf.reverse(x, [0, 1]);
  else if (choice.rotation === 270) x = tf.reverse(tf.transpose(x, [1, 0, 2]), 0);
  return x;
}

function checkFrame(frame: tf.Tensor, name: string, shape: number[] | null): void {
  if (!(frame instanceof tf.Tensor) || frame.rank !== 3 || frame.shape[2] !== 3) {
    throw new Error(`applyAugmentation: expected ${name} a tensor [H, W, 3], received ` +
        `${frame instanceof tf.Tensor ? `[${frame.shape}]` : typeof frame}`);
  }
  if (shape && (frame.shape[0] !== shape[0] || frame.shape[1] !== shape[1])) {
    throw new Error(`applyAugmentation: ${name} is [${frame.shape}] but frame0 is [${shape}]; the three frames must have one size`);
  }
}

/**
 * Apply one set of decisions to a triplet (and its reference frame, if any) with the same window and
 * the same flips for every frame. Returns new tensors; the input is not disposed. A temporal flip
 * swaps frame0 and frame1, sets t to 1 - t and reverses `frames`.
 */
export function applyAugmentation<S extends AugmentableSample>(sample: S, choice: AugmentationChoice): S {
  checkFrame(sample.frame0, 'frame0', null);
  const shape = sample.frame0.shape;
  checkFrame(sample.gt, 'gt', shape);
  checkFrame(sample.frame1, 'frame1', shape);
  if (sample.reference) checkFrame(sample.reference, 'reference', shape);
  checkCropSize(choice.cropSize);
  const [height, width] = shape;
  const {cropSize, top, left} = choice;
  if (!(Number.isInteger(top) && Number.isInteger(left) && top >= 0 && left >= 0 &&
      top + cropSize <= height && left + cropSize <= width)) {
    throw new Error(`applyAugmentation: the ${cropSize}x${cropSize} crop at row ${top}, column ${left} ` +
        `does not fit in a ${width}x${height} (WxH) frame`);
  }
  const out = tf.tidy(() => {
    const f0 = transformFrame(sample.frame0, choice);
    const gt = transformFrame(sample.gt, choice);
    const f1 = transformFrame(sample.frame1, choice);
    const reference = sample.reference ? transformFrame(sample.reference, choice) : undefined;
    return {frame0: choice.flipTemporal ? f1 : f0, gt, frame1: choice.flipTemporal ? f0 : f1, reference};
  });
  const result: S = {...sample, frame0: out.frame0, gt: out.gt, frame1: out.frame1};
  if (out.reference) result.reference = out.reference;
  if (choice.flipTemporal) {
    result.t = 1 - sample.t;
    if (sample.frames) result.frames = [sample.frames[2], sample.frames[1], sample.frames[0]];
  }
  return result;
}

/**
 * Apply one set of decisions to an 8-bit triplet (and its reference frame, if any): the same result as
 * {@link applyAugmentation} on the tensors, computed in one pass over the output pixels (crop, channel
 * reversal, flips and rotation composed into one index map), so a loader can augment before it makes
 * tensors, which is much faster than tensor slicing on the cpu backend.
 */
export function applyAugmentationToRaw(raw: RawTriplet, choice: AugmentationChoice): RawTriplet {
  const {width, height} = raw.frame0;
  checkCropSize(choice.cropSize);
  const {cropSize: n, top, left} = choice;
  if (!(Number.isInteger(top) && Number.isInteger(left) && top >= 0 && left >= 0 && top + n <= height && left + n <= width)) {
    throw new Error(`applyAugmentationToRaw: the ${n}x${n} crop at row ${top}, column ${left} does not fit in a ` +
        `${width}x${height} (WxH) frame`);
  }
  for (const [name, image] of [['gt', raw.gt], ['frame1', raw.frame1], ['reference', raw.reference]] as const) {
    if (image && (image.width !== width || image.height !== height)) {
      throw new Error(`applyAugmentationToRaw: ${name} is ${image.width}x${image.height} but frame0 is ${width}x${height}`);
    }
  }
  // Source offset (in bytes) of every output pixel, computed once for the three frames.
  const offsets = new Int32Array(n * n);
  const last = n - 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let y: number, x: number; // position in the flipped crop that lands at output (i, j)
      if (choice.rotation === 90) { y = last - j; x = i; } // cv2 ROTATE_90_CLOCKWISE
      else if (choice.rotation === 180) { y = last - i; x = last - j; }
      else if (choice.rotation === 270) { y = j; x = last - i; } // cv2 ROTATE_90_COUNTERCLOCKWISE
      else { y = i; x = j; }
      if (choice.flipVertical) y = last - y;
      if (choice.flipHorizontal) x = last - x;
      offsets[i * n + j] = ((top + y) * width + left + x) * 3;
    }
  }
  const [c0, c1, c2] = choice.reverseChannels ? [2, 1, 0] : [0, 1, 2];
  const remap = (image: RgbImage): RgbImage => {
    const source = image.data;
    const data = new Uint8Array(n * n * 3);
    for (let k = 0, o = 0; k < offsets.length; k++, o += 3) {
      const s = offsets[k];
      data[o] = source[s + c0];
      data[o + 1] = source[s + c1];
      data[o + 2] = source[s + c2];
    }
    return {data, width: n, height: n};
  };
  const [f0, gt, f1] = [remap(raw.frame0), remap(raw.gt), remap(raw.frame1)];
  const result: RawTriplet = {...raw, frame0: choice.flipTemporal ? f1 : f0, gt, frame1: choice.flipTemporal ? f0 : f1};
  if (raw.reference) result.reference = remap(raw.reference);
  if (choice.flipTemporal) {
    result.t = 1 - raw.t;
    if (raw.frames) result.frames = [raw.frames[2], raw.frames[1], raw.frames[0]];
  }
  return result;
}

/** A seeded augmentation stream: each call draws the next decisions and applies them. */
export interface Augmenter {
  /** Augment one tensor sample (new tensors; the input is not disposed). */
  <S extends AugmentableSample>(sample: S): S;
  /** Augment one 8-bit triplet, drawing from the same stream (see {@link applyAugmentationToRaw}). */
  raw(triplet: RawTriplet): RawTriplet;
  /** The decisions of the most recent call, or undefined before the first. */
  readonly last: AugmentationChoice | undefined;
}

/**
 * Create a seeded augmentation stream (spec §3.2). Two augmenters with the same options and epoch
 * make the same decisions for the same sequence of frame sizes.
 *
 * @param options seed and crop size.
 * @param epoch selects an independent stream per epoch (default 0).
 *
 * @example
 * ```ts
 * const augment = createAugmenter({seed: 1234});
 * const cropped = augment(sample); // 224x224, flipped / rotated as drawn
 * ```
 */
export function createAugmenter(options: AugmentationOptions = {}, epoch = 0): Augmenter {
  const cropSize = options.cropSize ?? 224;
  checkCropSize(cropSize);
  const random = createRandom(deriveSeed(options.seed ?? 0, AUGMENT_STREAM, epoch));
  let last: AugmentationChoice | undefined;
  const augment = <S extends AugmentableSample>(sample: S): S => {
    checkFrame(sample.frame0, 'frame0', null);
    const [height, width] = sample.frame0.shape;
    last = drawAugmentation(random, height, width, cropSize);
    return applyAugmentation(sample, last);
  };
  const augmentRaw = (triplet: RawTriplet): RawTriplet => {
    last = drawAugmentation(random, triplet.frame0.height, triplet.frame0.width, cropSize);
    return applyAugmentationToRaw(triplet, last);
  };
  Object.defineProperty(augment, 'last', {get: () => last});
  Object.defineProperty(augment, 'raw', {value: augmentRaw});
  return augment as Augmenter;
}
