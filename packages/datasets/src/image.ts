import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import sharp, {type OutputInfo} from 'sharp';
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

/** Options of {@link writeImage} and {@link encodeImage}. */
export interface EncodeOptions {
  /** JPEG quality 1-100 (default 95). Ignored for PNG. */
  quality?: number;
}

/** Image formats this package writes. */
export type ImageFormat = 'png' | 'jpeg';

/** Byte value / 255 in float32, precomputed: the conversion every loader does for every pixel. */
const UNIT_OF_BYTE = Float32Array.from({length: 256}, (_, i) => i / 255);

/** Throw unless `image` is a well-formed {@link RgbImage}. */
export function checkRgbImage(image: RgbImage, what: string): void {
  if (image == null || !(image.data instanceof Uint8Array) && !Buffer.isBuffer(image.data)) {
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
 * Decode PNG or JPEG bytes (anything libvips reads) to 8-bit RGB. Grey images become RGB, an alpha
 * channel is dropped, 16-bit images are reduced to 8 bits. EXIF orientation is not applied: frames are
 * returned as stored, as datasets expect.
 *
 * @param bytes the encoded file.
 * @param source a name for error messages, usually the path.
 */
export async function decodeImage(bytes: Uint8Array, source = '<buffer>'): Promise<RgbImage> {
  let decoded: {data: Buffer; info: OutputInfo};
  try {
    decoded = await sharp(bytes).removeAlpha().toColourspace('srgb').raw({depth: 'uchar'})
        .toBuffer({resolveWithObject: true});
  } catch (error) {
    throw new Error(`cannot decode image ${source}: ${(error as Error).message}`);
  }
  const {data, info} = decoded;
  if (info.channels !== 3) {
    throw new Error(`cannot decode image ${source}: expected 3 channels after conversion, got ${info.channels}`);
  }
  return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height};
}

/**
 * Read an image file (PNG, JPEG, ...) as 8-bit RGB. The file is read with `fs` and decoded from
 * memory, so a file rewritten in place is never served from a decoder cache.
 *
 * @throws Error naming the path when the file is missing or cannot be decoded.
 */
export async function readImage(file: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`image not found: ${file}`);
    throw new Error(`cannot read image ${file}: ${(error as Error).message}`);
  }
  return decodeImage(bytes, file);
}

/**
 * Convert an 8-bit image to a float32 tensor [H, W, 3] in [0, 1] (value / 255, exactly as the
 * evaluation protocol divides).
 */
export function imageToTensor(image: RgbImage): tf.Tensor3D {
  checkRgbImage(image, 'imageToTensor(image)');
  const {data, width, height} = image;
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = UNIT_OF_BYTE[data[i]];
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
  const [height, width] = shape.length === 3 ? shape : shape.slice(1);
  const values = tensor.dataSync();
  const data = new Uint8Array(values.length);
  const scale = tensor.dtype === 'float32' ? 255 : 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] * scale;
    if (v !== v) throw new Error(`tensorToImage(tensor): NaN at flat index ${i}`); // NaN, without a global lookup
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0; // = Math.round for v in (0, 255)
  }
  return {data, width, height};
}

/** The format a file name asks for, from its extension. */
export function formatOfPath(file: string): ImageFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw new Error(`cannot tell the image format of ${file}: expected a .png, .jpg or .jpeg extension, received '${ext}'`);
}

/** Encode an 8-bit image (or a tensor, see {@link tensorToImage}) as PNG or JPEG bytes. */
export async function encodeImage(image: RgbImage | tf.Tensor, format: ImageFormat,
    options: EncodeOptions = {}): Promise<Buffer> {
  const rgb = image instanceof tf.Tensor ? tensorToImage(image) : image;
  checkRgbImage(rgb, 'encodeImage(image)');
  const pipeline = sharp(rgb.data, {raw: {width: rgb.width, height: rgb.height, channels: 3}});
  if (format === 'png') return pipeline.png().toBuffer();
  if (format === 'jpeg') {
    const quality = options.quality ?? 95;
    if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
      throw new Error(`encodeImage: expected options.quality an integer in 1..100, received ${quality}`);
    }
    return pipeline.jpeg({quality}).toBuffer();
  }
  throw new Error(`encodeImage: expected format 'png' or 'jpeg', received '${String(format)}'`);
}

/**
 * Write an image to `file` (format from the extension: .png, .jpg, .jpeg). The bytes go to a temporary
 * file beside it, which is then renamed, so a reader never sees a half-written image. Parent folders
 * are created. Tensors are converted as in {@link tensorToImage} and not disposed.
 */
export async function writeImage(file: string, image: RgbImage | tf.Tensor, options: EncodeOptions = {}): Promise<void> {
  const bytes = await encodeImage(image, formatOfPath(file), options);
  await mkdir(path.dirname(file), {recursive: true});
  const temporary = `${file}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, {force: true});
    throw new Error(`cannot write image ${file}: ${(error as Error).message}`);
  }
}
