// 8-bit RGB images and their tensors: the part of image handling that needs no decoder, so that the browser
// entry (synthetic scenes, augmentation, batching) can use it. Decoding and encoding (sharp) are in image.ts.
import * as tf from '@tensorflow/tfjs';

/**
 * An 8-bit RGB image: `data` holds `height * width * 3` bytes, row-major, channels interleaved (R, G, B).
 * Metrics that need exact 0-255 values read these. Treat `data` as read-only: loaders may share one
 * buffer between overlapping triplets.
 */
export interface RgbImage {
  /** Pixel bytes, `height * width * 3` long. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Byte value / 255 in float32, precomputed: the conversion every loader does for every pixel. */
const UNIT_OF_BYTE = Float32Array.from({length: 256}, (_, i) => i / 255);

/** Throw unless `image` is a well-formed {@link RgbImage}. */
export function checkRgbImage(image: RgbImage, what: string): void {
  if (image == null || !(image.data instanceof Uint8Array)) { // a Node Buffer is a Uint8Array
    throw new Error(`${what}: expected an RgbImage {data: Uint8Array, width, height}, received ${typeof image}`);
  }
  const {width, height} = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`${what}: expected positive integer width and height, received ${width}x${height}`);
  }
  if (image.data.length !== width * height * 3) {
    throw new Error(`${what}: expected ${width}x${height}x3 = ${width * height * 3} bytes, received ${image.data.length}`);
  }
}

/**
 * Convert an 8-bit image to a float32 tensor [H, W, 3] in [0, 1] (value / 255, exactly as the
 * evaluation protocol divides).
 */
export function imageToTensor(image: RgbImage): tf.Tensor3D {
  checkRgbImage(image, 'imageToTensor(image)');
  const {data, width, height} = image;
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = UNIT_OF_BYTE[data[i]!]!;
  return tf.tensor3d(values, [height, width, 3], 'float32');
}

/**
 * Convert a tensor to an 8-bit image. Accepts [H, W, 3] or [1, H, W, 3]. float32 values are taken as
 * [0, 1] and become `round(v * 255)` clamped to 0..255; int32 values are taken as 0..255 and clamped.
 * Does not dispose the input.
 *
 * @throws Error on a wrong shape, a channel count other than 3, or NaN.
 */
export function tensorToImage(tensor: tf.Tensor): RgbImage {
  if (!(tensor instanceof tf.Tensor)) throw new Error(`tensorToImage(tensor): expected a tf.Tensor, received ${typeof tensor}`);
  const shape = tensor.shape;
  const ok = (shape.length === 3 && shape[2] === 3) || (shape.length === 4 && shape[0] === 1 && shape[3] === 3);
  if (!ok) throw new Error(`tensorToImage(tensor): expected shape [H, W, 3] or [1, H, W, 3], received [${shape}]`);
  const [height, width] = (shape.length === 3 ? shape : shape.slice(1)) as [number, number];
  const values = tensor.dataSync();
  const data = new Uint8Array(values.length);
  const scale = tensor.dtype === 'float32' ? 255 : 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! * scale;
    if (v !== v) throw new Error(`tensorToImage(tensor): NaN at flat index ${i}`); // NaN, without a global lookup
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0; // = Math.round for v in (0, 255)
  }
  return {data, width, height};
}
